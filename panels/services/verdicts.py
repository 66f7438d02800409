"""A person confirms or splits how the matcher read a service (panels.models.MatchVerdict)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from panels.models import MatchVerdict, Service

CLEAR = ""  # back to the matcher's reading


def match_verdict_set(*, service: Service, verdict: str, user: Any = None) -> MatchVerdict | None:
    """Record `verdict` (MatchVerdict.Verdict, or CLEAR) for the service as it is read now.
    ValidationError for a service the matcher did not read (nothing to confirm or split) or
    an unknown verdict."""
    if verdict == CLEAR:
        MatchVerdict.objects.filter(service=service).delete()
        return None
    if verdict not in MatchVerdict.Verdict.values:
        raise ValidationError(f"Unknown verdict: {verdict!r}.")
    if not service.match_key:
        raise ValidationError("This service is not matched with any offer: nothing to judge.")
    found, _ = MatchVerdict.objects.update_or_create(
        service=service,
        defaults={
            "key": service.match_key,
            "verdict": verdict,
            "decided_by": user if getattr(user, "is_authenticated", False) else None,
        },
    )
    return found
