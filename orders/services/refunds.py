"""What a panel owes back when an order ends partial, canceled or refunded, by the panel's own
numbers.

Panels report it in one of two ways. Most lower the order's charge to what was delivered
(a partial 10.00 order reads 6.00; a canceled one 0) and put the difference back on the
balance. Others keep the charge and refund `charge × remains / quantity`. Either way the
dashboard keeps one meaning per column, so the two add up the same for every panel:
`charge` is what the panel took from the balance when the order was placed, `refund` what it
gives back, and `charge − refund` what the order finally cost (reports and the overview's
spend read it so; the balance reconciliation counts each when it happened). Where the panel
lowered its charge, the refund is what it lowered and the charge stays what was taken
(counting the lowered charge and a refund on top would count the difference twice); the
history row and the raw answer keep the panel's lowered figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orders.charges import tolerance
from orders.models import Order
from panels.api.normalise import MONEY_STEP, Status
from panels.api.order_types import billable_quantity, estimate_cost

REFUNDED_STATUSES = frozenset({Status.PARTIAL, Status.CANCELED, Status.REFUNDED})


@dataclass(frozen=True)
class Refund:
    amount: Decimal
    # What the panel took when the order was placed: the charge the order keeps.
    charge: Decimal


def _values(order: Order) -> dict[str, Any]:
    """The order's fields as panels.api.order_types counts and prices them."""
    return {**(order.params or {}), "quantity": order.quantity, "runs": order.runs}


def _units(order: Order) -> int | None:
    """Units charged for: runs × quantity for drip-feed, the lines of a list type."""
    return billable_quantity(order.order_type, _values(order))


def _taken_at_placement(
    order: Order, status: str, charge_now: Decimal, remains: int | None
) -> Decimal | None:
    """For an order first seen already ended: what the panel took at placement, if its charge
    now reads as lowered from that. A charge at or above the estimate, or one the panel's
    numbers cannot place (no unit count, no remains): the estimate. Nothing left of a
    canceled or refunded order: all of the estimate given back. A lower charge that is the
    share of what was delivered of the estimate, or of the order's price at the service's
    rate now (the panel's price may have moved since the estimate), within the charge
    tolerance, was lowered from that full price. Any other lower charge is the panel's own
    price, taken and kept (None: the refund is its share of the remains)."""
    estimate = order.estimated_cost
    if estimate is None or charge_now >= estimate:
        return estimate
    if charge_now == 0 and status in (Status.CANCELED, Status.REFUNDED):
        return estimate
    units = _units(order)
    if not units or remains is None:
        return estimate
    delivered = Decimal(units - min(remains, units)) / units
    for full in (estimate, _price_now(order)):
        if full is not None and abs(charge_now - full * delivered) <= tolerance(full):
            return full
    return None


def _price_now(order: Order) -> Decimal | None:
    """The order's full price at its service's current rate."""
    return estimate_cost(order.order_type, order.service.rate, _values(order))


def refund_owed(
    order: Order,
    *,
    status: str,
    charge_before: Decimal | None,
    charge_now: Decimal | None,
    remains: int | None,
) -> Refund | None:
    """The refund of an order that has just ended partial or canceled; None when the panel's
    numbers do not say (no charge at all, no remains, a type without a unit count).

    `charge_before` is the charge last seen while the order ran; None when the order ended
    before we ever saw it running (see _taken_at_placement)."""
    if charge_now is None:
        return None
    before = charge_before
    if before is None:
        before = _taken_at_placement(order, status, charge_now, remains)
    if before is not None and charge_now < before:
        return Refund(amount=before - charge_now, charge=before)
    if status == Status.REFUNDED:
        return Refund(amount=charge_now, charge=charge_now)  # all of it, whatever remains says
    units = _units(order)
    if not units or remains is None:
        return None
    share = charge_now * min(remains, units) / units
    # As exact as the money column keeps it (12 places); only a repeating fraction rounds.
    return Refund(amount=share.quantize(MONEY_STEP, rounding=ROUND_HALF_UP), charge=charge_now)
