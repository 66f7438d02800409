"""Any story of orders, refunds and top-ups, read at any moments, reconciles to exactly zero
when the panel bills what the orders say; and one wrong debit flags exactly its interval."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.models import BalanceCheck
from ledger.services import panel_reconcile
from tests.factories import PanelFactory, TopUpFactory
from tests.ledger.helpers import at, order, reading

MONEY = st.decimals(min_value=Decimal("0.00001"), max_value=Decimal(500), places=5)


@dataclass(frozen=True)
class Event:
    kind: str  # "order", "top_up" or "read"
    amount: Decimal = Decimal(0)
    refund_share: Decimal | None = None  # of the charge, seen `refund_after` minutes later
    refund_after: int = 1


EVENT = st.one_of(
    st.builds(
        Event,
        kind=st.just("order"),
        amount=MONEY,
        refund_share=st.none() | st.decimals(min_value=0, max_value=1, places=3),
        refund_after=st.integers(min_value=1, max_value=6),
    ),
    st.builds(Event, kind=st.just("top_up"), amount=MONEY),
    st.builds(Event, kind=st.just("read")),
)


def tell(events: list[Event], *, wrong_debit_at: int | None = None) -> tuple[object, int]:
    """Write the story for a new panel; return it and how many readings it has. The balance
    moves exactly as the orders say, except an extra debit of 7 at `wrong_debit_at`."""
    panel = PanelFactory(currency="USD")
    moves: list[tuple[float, Decimal]] = []
    for minute, event in enumerate(events):
        if event.kind == "order":
            refund = None
            if event.refund_share is not None:
                refund = (event.amount * event.refund_share).quantize(Decimal("0.00001"))
            seen = minute + event.refund_after + 0.25 if refund is not None else None
            order(
                panel, minute, str(event.amount), refund=refund and str(refund), refund_minutes=seen
            )
            moves.append((minute, -event.amount))
            if refund is not None and seen is not None:
                moves.append((seen, refund))
        elif event.kind == "top_up":
            TopUpFactory(panel=panel, amount=event.amount, at=at(minute))
            moves.append((minute, event.amount))
        if minute == wrong_debit_at:
            moves.append((minute, Decimal(-7)))
    reads = [m + 0.5 for m, e in enumerate(events) if e.kind == "read"]
    reads = [-1.0, *reads, len(events) + 10.0]  # one before anything, one after everything
    for minute in reads:
        balance = Decimal(1000) + sum((d for m, d in moves if m <= minute), Decimal(0))
        reading(panel, minute, str(balance))
    return panel, len(reads)


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(EVENT, max_size=25))
def test_any_story_billed_right_reconciles_to_zero(events):
    panel, readings = tell(events)

    result = panel_reconcile(panel=panel)

    checks = BalanceCheck.objects.filter(panel=panel)
    assert result.checked == readings - 1
    assert {c.difference for c in checks} == {Decimal(0)}
    assert {c.result for c in checks} == {BalanceCheck.Result.OK}


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=st.lists(EVENT, min_size=1, max_size=20), data=st.data())
def test_one_wrong_debit_flags_exactly_the_interval_it_fell_in(events, data):
    wrong = data.draw(st.integers(min_value=0, max_value=len(events) - 1))
    panel, _ = tell(events, wrong_debit_at=wrong)

    panel_reconcile(panel=panel)

    flagged = BalanceCheck.objects.get(panel=panel, result=BalanceCheck.Result.FLAGGED)
    assert flagged.started_at < at(wrong) <= flagged.ended_at
    assert flagged.difference == Decimal(-7)
