"""Whether the charge a panel reported is what the order should have cost.

The estimate is the documented rule of the order's type (panels.api.order_types.estimate_cost:
rate × quantity / 1000, × runs for drip-feed, one per comment line...). A charge is flagged when
it differs from the estimate by more than the tolerance:

    tolerance = max(estimate × CHARGE_TOLERANCE_PERCENT / 100, CHARGE_TOLERANCE_ABSOLUTE)

in the order's own currency. Only a charge *above* the estimate is flagged where a lower one
is expected: a subscription's estimate is a reserve (the most it can cost), and a partial,
canceled, refunded or failed order may have been lowered by the panel itself.

`charge_check` reads one order; `charge_off_q` is the same rule as SQL, for the order list's
filter. tests/orders/test_charges.py holds the two to the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import DecimalField, F, Q, Value
from django.db.models.functions import Greatest
from django.db.models.lookups import GreaterThan

from core.money import money_text
from orders.list_indexes import CHARGE_DIFFERS
from orders.models import Order
from panels.api.normalise import Status

# Where a charge below the estimate is expected: only a higher one is flagged.
LOWER_EXPECTED_STATUSES = (Status.PARTIAL, Status.CANCELED, Status.REFUNDED, Status.FAILED)
RESERVE_TYPES = ("subscriptions",)


def tolerance(estimate: Decimal) -> Decimal:
    percent = Decimal(settings.CHARGE_TOLERANCE_PERCENT)
    return max(abs(estimate) * percent / 100, Decimal(settings.CHARGE_TOLERANCE_ABSOLUTE))


@dataclass(frozen=True)
class ChargeCheck:
    difference: Decimal | None  # charge − estimate; None when either is not known
    flagged: bool
    currency: str

    @property
    def short(self) -> str:
        """ "+0.60 vs estimate": for a narrow column, the currency being beside it."""
        return self.text.replace(f" {self.currency} vs the", " vs") if self.currency else self.text

    @property
    def text(self) -> str:
        """ "+0.60 USD vs the estimate", "as estimated" or ""."""
        if self.difference is None:
            return ""
        if not self.difference:
            return "as estimated"
        sign = "+" if self.difference > 0 else "−"
        unit = f" {self.currency}" if self.currency else ""
        return f"{sign}{money_text(abs(self.difference))}{unit} vs the estimate"


def _lower_expected(order_type: str, status: str) -> bool:
    return order_type in RESERVE_TYPES or status in LOWER_EXPECTED_STATUSES


def charge_check(order: Order) -> ChargeCheck:
    currency = order.currency or ""
    if order.charge is None or order.estimated_cost is None:
        return ChargeCheck(None, False, currency)
    difference = order.charge - order.estimated_cost
    allowed = tolerance(order.estimated_cost)
    over = difference > allowed
    under = -difference > allowed and not _lower_expected(order.order_type, order.status)
    return ChargeCheck(difference, over or under, currency)


def charge_off_q() -> Q:
    """`charge_check(order).flagged` as a condition on the orders table."""
    money = DecimalField(max_digits=30, decimal_places=12)
    percent = Value(Decimal(settings.CHARGE_TOLERANCE_PERCENT) / 100, output_field=money)
    floor = Value(Decimal(settings.CHARGE_TOLERANCE_ABSOLUTE), output_field=money)
    # Estimates are never negative (rates and quantities are not), so no ABS on it here.
    allowed = Greatest(F("estimated_cost") * percent, floor, output_field=money)
    difference = F("charge") - F("estimated_cost")
    over = Q(GreaterThan(difference, allowed))
    under = Q(GreaterThan(F("estimated_cost") - F("charge"), allowed)) & ~(
        Q(order_type__in=RESERVE_TYPES) | Q(status__in=LOWER_EXPECTED_STATUSES)
    )
    # CHARGE_DIFFERS first, as the index `order_charge_differs` states it: PostgreSQL reads
    # the orders charged anything but their estimate from there, not every order.
    return CHARGE_DIFFERS & Q(charge__isnull=False, estimated_cost__isnull=False) & (over | under)
