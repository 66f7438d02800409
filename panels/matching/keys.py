"""The stored form of a service's match key, so the database can find the same offer."""

from __future__ import annotations

from decimal import Decimal

from .describe import ServiceFacts, describe


def match_key(*, name: str, category: str, type: str) -> str:
    """ "instagram|followers|default|" or "" when the service cannot be matched.

    Only the name, category and order type decide the key; prices and limits do not.
    """
    facts = ServiceFacts(
        id=0,
        panel_id=0,
        panel_name="",
        name=name,
        category=category,
        type=type,
        rate=Decimal(0),
        min=0,
        max=0,
        refill=False,
        cancel=False,
        dripfeed=False,
    )
    key = describe(facts).key
    if key is None:
        return ""
    platform, kind, order_type, audience = key
    return "|".join((platform, kind, order_type, ",".join(audience)))
