"""Adding and removing price rules (orders.price_models.PriceRule)."""

from __future__ import annotations

from typing import Any

from orders.models import PriceRule


def price_rule_create(**fields: Any) -> PriceRule:
    """A new rule; it wins over older rules of the same scope (orders.pricing)."""
    return PriceRule.objects.create(**fields)


def price_rule_update(*, rule: PriceRule, **fields: Any) -> PriceRule:
    """Change a rule in place: every field the form gives, the others cleared (a rule that
    moves from a service to a panel forgets the service). Its age, hence its rank among
    rules of one scope, stays."""
    rule.panel = rule.service = None
    rule.category = rule.match_key = ""
    for name, value in fields.items():
        setattr(rule, name, value)
    rule.save()
    return rule


def price_rule_delete(*, pk: int) -> bool:
    """Remove a rule; False if it was already gone."""
    deleted, _ = PriceRule.objects.filter(pk=pk).delete()
    return bool(deleted)
