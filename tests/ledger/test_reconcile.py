"""Balance reconciliation: each interval between two readings against the orders' charges,
refunds seen and confirmed top-ups in it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ledger.models import BalanceCheck, TopUp
from ledger.selectors import check_orders
from ledger.services import panel_reconcile, top_up_decide, top_up_record
from ledger.services.settle import TIMING_NOTE
from tests.factories import PanelFactory, TopUpFactory
from tests.ledger.helpers import at, order, reading

pytestmark = pytest.mark.django_db
Result = BalanceCheck.Result


@pytest.fixture
def panel():
    return PanelFactory(currency="USD")


def checks(panel) -> list[BalanceCheck]:
    return list(BalanceCheck.objects.filter(panel=panel).order_by("ended_at"))


def test_a_balance_that_moved_by_its_orders_charges_adds_up(panel):
    reading(panel, 0, "100.00")
    order(panel, 1, "2.50")
    order(panel, 2, "0.125")
    reading(panel, 3, "97.375")

    result = panel_reconcile(panel=panel)

    (check,) = checks(panel)
    assert (result.checked, result.flagged) == (1, 0)
    assert check.result == Result.OK
    assert (check.charges, check.expected, check.actual) == (
        Decimal("2.625"),
        Decimal("-2.625"),
        Decimal("-2.625"),
    )
    assert (check.difference, check.orders_placed) == (Decimal(0), 2)


def test_a_debit_beyond_the_charges_is_flagged_with_its_difference_and_orders(panel):
    reading(panel, 0, "50.00")
    faulty = order(panel, 1, "0.08")
    reading(panel, 2, "-450.00")
    order(panel, 3, "1.00")  # after the reading: the next interval's
    reading(panel, 4, "-451.00")

    panel_reconcile(panel=panel)

    flagged, clean = checks(panel)
    assert flagged.result == Result.FLAGGED
    assert flagged.difference == Decimal("-499.92")
    assert [o.pk for o in check_orders(check=flagged)] == [faulty.pk]
    assert clean.result == Result.OK
    assert not TopUp.objects.exists()  # a drop is never offered as a top-up


def test_refunds_count_in_the_interval_they_were_seen_in(panel):
    reading(panel, 0, "100.00")
    order(panel, 1, "10.00", refund="4.00", refund_minutes=3)  # took 10.00, gave 4.00 back
    reading(panel, 2, "90.00")
    reading(panel, 4, "94.00")

    panel_reconcile(panel=panel)

    placed, refunded = checks(panel)
    assert (placed.result, placed.refunds, placed.charges) == (Result.OK, Decimal(0), Decimal(10))
    assert (refunded.result, refunded.refunds, refunded.refunds_seen) == (
        Result.OK,
        Decimal("4.00"),
        1,
    )


def test_a_difference_within_the_tolerance_is_not_flagged(panel, settings):
    settings.LEDGER_TOLERANCE = Decimal("0.01")
    settings.LEDGER_TOLERANCE_SHARE = Decimal("0.01")
    reading(panel, 0, "1000.00")
    order(panel, 1, "100.00")
    reading(panel, 2, "900.99")  # 0.99 off: within 1 % of 100
    reading(panel, 3, "900.97")  # 0.02 off with no orders: beyond 0.01

    panel_reconcile(panel=panel)

    assert [c.result for c in checks(panel)] == [Result.OK, Result.FLAGGED]


def test_an_order_not_yet_charged_counts_at_its_estimate_until_its_charge_is_known(panel):
    reading(panel, 0, "100.00")
    pending = order(panel, 1, None, estimate="5.00")
    reading(panel, 2, "94.00")  # the panel took 6.00

    panel_reconcile(panel=panel)
    (check,) = checks(panel)
    assert (check.estimated, check.result) == (1, Result.FLAGGED)

    pending.charge = Decimal("6.00")
    pending.save(update_fields=["charge"])
    panel_reconcile(panel=panel)

    (check,) = checks(panel)
    assert (check.estimated, check.result, check.difference) == (0, Result.OK, Decimal(0))


def test_an_unexplained_rise_is_offered_as_a_top_up_and_confirming_it_settles_the_interval(
    panel, user
):
    reading(panel, 0, "10.00")
    reading(panel, 1, "60.00")

    panel_reconcile(panel=panel)

    (check,) = checks(panel)
    assert check.result == Result.FLAGGED
    suggestion = TopUp.objects.get()
    assert (suggestion.state, suggestion.amount, suggestion.at) == (
        TopUp.State.SUGGESTED,
        Decimal("50.00"),
        at(1),
    )

    assert top_up_decide(top_up=suggestion, confirm=True, user=user)
    assert not top_up_decide(top_up=suggestion, confirm=True, user=user)  # once

    (check,) = checks(panel)
    assert (check.result, check.top_ups) == (Result.OK, Decimal("50.00"))
    assert TopUp.objects.get().created_by == user


def test_a_dismissed_suggestion_leaves_the_flag_and_is_not_offered_again(panel, user):
    reading(panel, 0, "10.00")
    reading(panel, 1, "60.00")
    panel_reconcile(panel=panel)

    top_up_decide(top_up=TopUp.objects.get(), confirm=False, user=user)
    reading(panel, 2, "60.00")
    panel_reconcile(panel=panel)

    assert checks(panel)[0].result == Result.FLAGGED
    assert list(TopUp.objects.values_list("state", flat=True)) == [TopUp.State.DISMISSED]


def test_a_recorded_top_up_explains_the_rise_of_its_interval(panel, user):
    reading(panel, 0, "10.00")
    reading(panel, 10, "110.00")
    panel_reconcile(panel=panel)

    top_up_record(panel=panel, amount=Decimal("100.00"), at=at(5), note="Card", user=user)

    (check,) = checks(panel)
    assert check.result == Result.OK
    # The suggestion made before is withdrawn: the recorded top-up explains the rise.
    assert list(TopUp.objects.values_list("state", "note")) == [(TopUp.State.CONFIRMED, "Card")]


def test_only_confirmed_top_ups_count(panel):
    TopUpFactory(panel=panel, amount=Decimal("20"), at=at(1), state=TopUp.State.DISMISSED)
    TopUpFactory(panel=panel, amount=Decimal("30"), at=at(1))
    reading(panel, 0, "0.00")
    reading(panel, 2, "30.00")

    panel_reconcile(panel=panel)

    assert checks(panel)[0].top_ups == Decimal("30")


def test_a_reading_in_another_currency_breaks_the_chain_and_says_so(panel):
    reading(panel, 0, "100.00", currency="USD")
    reading(panel, 1, "90.00", currency="EUR")

    panel_reconcile(panel=panel)

    (check,) = checks(panel)
    assert check.result == Result.BROKEN
    assert "USD, then in EUR" in check.note
    assert not TopUp.objects.exists()


def test_orders_in_another_currency_than_the_balance_are_not_compared(panel):
    reading(panel, 0, "100.00")
    order(panel, 1, "5.00", currency="EUR")
    reading(panel, 2, "95.00")

    panel_reconcile(panel=panel)

    (check,) = checks(panel)
    assert check.result == Result.BROKEN
    assert "Orders in EUR against a balance in USD" in check.note


def test_a_refund_made_before_the_status_sync_saw_it_settles_with_the_next_interval(panel):
    reading(panel, 0, "100.00")
    order(panel, 1, "10.00", refund="4.00", refund_minutes=3)
    reading(panel, 2, "94.00")  # the panel already refunded; we see it at minute 3
    reading(panel, 4, "94.00")

    panel_reconcile(panel=panel)

    first, second = checks(panel)
    assert (first.difference, second.difference) == (Decimal("4.00"), Decimal("-4.00"))
    assert [c.result for c in (first, second)] == [Result.OK, Result.OK]
    assert first.note == second.note == TIMING_NOTE
    assert not TopUp.objects.exists()


def test_the_last_interval_is_flagged_until_the_next_reading_settles_it(panel):
    reading(panel, 0, "100.00")
    order(panel, 1, "10.00", refund="4.00", refund_minutes=3)
    reading(panel, 2, "94.00")
    panel_reconcile(panel=panel)
    assert checks(panel)[0].result == Result.FLAGGED

    reading(panel, 4, "94.00")
    panel_reconcile(panel=panel)

    assert [c.result for c in checks(panel)] == [Result.OK, Result.OK]
    assert not TopUp.objects.exists()  # the suggestion made meanwhile is withdrawn


def _second_run_queries(panel, orders: int) -> int:
    reading(panel, 0, "1000.00")
    reading(panel, 10, "1000.00")
    panel_reconcile(panel=panel)
    first = checks(panel)[0]
    for n in range(orders):
        order(panel, 11 + n / 100, "1.00")
    reading(panel, 20, f"{1000 - orders}.00")
    reading(panel, 30, f"{1000 - orders}.00")

    with CaptureQueriesContext(connection) as queries:
        result = panel_reconcile(panel=panel)

    assert result.checked == 2
    assert checks(panel)[0].checked_at == first.checked_at  # not worked out again
    assert [c.result for c in checks(panel)] == [Result.OK] * 3
    return len(queries)


def test_each_run_checks_only_new_readings_in_queries_that_do_not_grow_with_orders():
    few = _second_run_queries(PanelFactory(currency="USD"), orders=1)
    many = _second_run_queries(PanelFactory(currency="USD"), orders=60)

    assert few == many
