"""Adding and removing price rules (orders.price_models.PriceRule)."""

from __future__ import annotations

from typing import Any

from orders.models import PriceRule


def price_rule_create(**fields: Any) -> PriceRule:
    """A new rule; it wins over older rules of the same scope (orders.pricing)."""
    return PriceRule.objects.create(**fields)


def price_rule_delete(*, pk: int) -> bool:
    """Remove a rule; False if it was already gone."""
    deleted, _ = PriceRule.objects.filter(pk=pk).delete()
    return bool(deleted)
