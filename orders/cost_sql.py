"""What a placed order cost, as database expressions, for every page that sums orders (the
overview's spend, the reports): one definition, so they cannot drift apart.

    cost     = COALESCE(charge, estimated_cost, 0) − COALESCE(refund, 0)
    currency = the order's currency, or its panel's when the order has none ("" for neither)
orders/profit.py reads the same for one order in Python.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Value
from django.db.models.functions import Coalesce, NullIf

from orders.models import Order


def order_cost() -> tuple[ExpressionWrapper, DecimalField]:
    """The panel's charge (or our estimate until it reports one), less the refund it owes for
    what it did not deliver (orders/services/refunds.py); with its output field."""
    charge = Order._meta.get_field("charge")
    money = DecimalField(max_digits=charge.max_digits, decimal_places=charge.decimal_places)
    taken = Coalesce("charge", "estimated_cost", Value(Decimal(0)), output_field=money)
    refund = Coalesce("refund", Value(Decimal(0)), output_field=money)
    return ExpressionWrapper(taken - refund, output_field=money), money


def order_currency() -> Coalesce:
    """The order's currency, or its panel's when the order has none."""
    return Coalesce(
        NullIf("currency", Value("")), NullIf(F("panel__currency"), Value("")), Value("")
    )
