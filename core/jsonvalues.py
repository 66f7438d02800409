"""Values as a JSONField stores them, so stored and fresh values compare equal."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder


def as_stored(value: Any) -> Any:
    """The value after a round trip through a JSONField with DjangoJSONEncoder (Decimals and
    dates become strings), to compare an answer with what the row already holds."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))
