"""Billing faults: a panel that bills what its own rules do not say.

Two ways real panels get money wrong, each applied to `add` while its fault rule is on:

- `billing_charge`: the charge of the chosen order types (`order_types`; default Custom
  Comments) counts the list's lines split on a literal backslash-n (the two characters `\\n`)
  instead of on line breaks, as a real open-source panel script does: three comments sent one
  per line are billed as one. The panel delivers every line, charges (and debits) the smaller
  sum, and reports that charge.
- `billing_debit`: the balance is debited the order's units (runs × quantity) as currency
  units instead of its charge; by default drip-feed orders only (any order of `order_types`
  when given). A real panel took 500 from a balance of 50 for a 0.08 drip-feed order (−450).
  The order's charge is reported as it should be; only the balance is wrong.
"""

from __future__ import annotations

from decimal import Decimal

from .catalog import CUSTOM_COMMENTS
from .faults import BILLING_CHARGE, BILLING_DEBIT, FaultRule
from .ordering import NewOrder

DEFAULT_CHARGE_TYPES = frozenset({CUSTOM_COMMENTS})


def _chosen(rule: FaultRule, order_type: str, default: bool) -> bool:
    return order_type in rule.order_types if rule.order_types is not None else default


def billed_cost(rule: FaultRule | None, new: NewOrder) -> Decimal:
    """What the panel charges for `new`: its cost, unless `billing_charge` miscounts it."""
    service = new.service
    counted = service.rule.counted
    if rule is None or rule.fault != BILLING_CHARGE or counted is None:
        return new.cost
    if not _chosen(rule, service.type, service.type in DEFAULT_CHARGE_TYPES):
        return new.cost
    if service.rule.flat:
        return new.cost  # a flat price does not count lines
    text = new.fields.get(counted, "")
    lines = [part for part in text.split("\\n") if part.strip()]
    return service.rate_value * len(lines) / 1000


def debit(rule: FaultRule | None, new: NewOrder, cost: Decimal) -> Decimal:
    """What the panel takes from the balance for `new` (charged `cost`)."""
    if rule is None or rule.fault != BILLING_DEBIT:
        return cost
    if not _chosen(rule, new.service.type, new.runs is not None):
        return cost
    return Decimal(new.quantity)  # runs × quantity units, taken as currency units
