"""What an order earned, in the base currency: the one place profit is computed.

    cost   = COALESCE(charge, estimated_cost) − COALESCE(refund, 0)   (estimated: no charge yet)
    profit = sale_price − cost × rate(order's currency → base, order's day)

The order's day is the local date of `created_at`; the rate is the newest on or before that
day within RATE_MAX_AGE_DAYS (currency.conversion). No sale price: no profit (not zero). An
order never placed (rejected, confirmed not placed) bought nothing: no profit either. No rate:
no profit, and the note says which rate is missing. reports.selectors sums the same in SQL
(the same COALESCEs, each order joined to its day's rate from daily_rates), over placed
orders; tests/orders/test_profit.py holds an order's profit to that report's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from currency.conversion import Converter
from orders.models import Order

NEVER_PLACED = (Order.State.REJECTED, Order.State.NOT_PLACED)


@dataclass(frozen=True)
class Profit:
    amount: Decimal | None  # None: no profit to show; `note` says why when it is not obvious
    base: str
    sale: Decimal | None = None
    cost: Decimal | None = None  # in the base currency
    estimated: bool = False  # the cost is our estimate: the panel has not reported a charge
    rate_day: date | None = None
    note: str = ""


def order_day(order: Order) -> date:
    """The day whose rate converts the order's money (the reports' day too)."""
    return timezone.localdate(order.created_at)


def order_cost(order: Order) -> tuple[Decimal | None, bool]:
    """(what the order cost in its panel's currency after refunds, whether it is estimated)."""
    refund = order.refund or 0
    if order.charge is not None:
        return order.charge - refund, False
    if order.estimated_cost is None:
        return None, True
    return order.estimated_cost - refund, True


def order_profit(order: Order, converter: Converter) -> Profit:
    base = converter.base
    if order.sale_price is None:
        return Profit(None, base)
    if order.state in NEVER_PLACED:
        return Profit(None, base, sale=order.sale_price, note="Never placed: nothing was bought.")
    cost, estimated = order_cost(order)
    if cost is None:
        return Profit(None, base, sale=order.sale_price, note="The cost is not known yet.")
    converted = converter.to_base(cost, order.currency or order.panel.currency, order_day(order))
    if converted.amount is None:
        return Profit(
            None, base, sale=order.sale_price, estimated=estimated, note=converted.problem
        )
    return Profit(
        order.sale_price - converted.amount,
        base,
        sale=order.sale_price,
        cost=converted.amount,
        estimated=estimated,
        rate_day=converted.rate_day,
        note=converted.note,
    )


def order_profits(orders: Iterable[Order], converter: Converter | None = None) -> dict[int, Profit]:
    """{order id: its profit} for a page of orders: the base currency and every rate they
    need read in two queries at most, whatever the number of orders."""
    orders = list(orders)
    converter = converter or Converter()
    converter.preload(
        (o.currency or o.panel.currency, order_day(o))
        for o in orders
        if o.sale_price is not None and o.state not in NEVER_PLACED
    )
    return {order.pk: order_profit(order, converter) for order in orders}
