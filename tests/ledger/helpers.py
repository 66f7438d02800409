"""A panel's balance story told in a few lines: readings, orders placed and refunded, top-ups,
each at a fixed moment (never today's date)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from orders.models import Order
from panels.models import BalanceReading, Panel
from tests.factories import BalanceReadingFactory, OrderFactory, ServiceFactory

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def reading(panel: Panel, minutes: float, amount: str, currency: str = "USD") -> BalanceReading:
    return BalanceReadingFactory(
        panel=panel, amount=Decimal(amount), currency=currency, read_at=at(minutes)
    )


def order(
    panel: Panel,
    minutes: float,
    charge: str | None,
    *,
    estimate: str | None = None,
    refund: str | None = None,
    refund_minutes: float | None = None,
    currency: str = "USD",
) -> Order:
    service = panel.services.first() or ServiceFactory(panel=panel)
    return OrderFactory(
        service=service,
        state=Order.State.PLACED,
        placed_at=at(minutes),
        charge=Decimal(charge) if charge is not None else None,
        estimated_cost=Decimal(estimate) if estimate is not None else None,
        refund=Decimal(refund) if refund is not None else None,
        refund_seen_at=at(refund_minutes) if refund_minutes is not None else None,
        currency=currency,
    )
