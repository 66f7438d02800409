"""benchmarks/_balances.py: the balance readings it seeds are what it promises, and the day it
times is reconciled by the ledger's own service, then rolled back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count, Max, Min
from django.utils import timezone

from ledger.models import BalanceCheck, TopUp
from ledger.services import panel_reconcile
from orders.models import Order
from panels.models import BalanceReading, Panel

pytestmark = pytest.mark.django_db(transaction=True)  # VACUUM cannot run in a transaction

# Enough orders that every panel has one at least every 9 hours (20 panels over a year).
ORDERS = 20_000


@pytest.fixture
def seeded() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("generate_series and gen_random_uuid are PostgreSQL's")
    from benchmarks.reports import seed

    seed(ORDERS)


def _checks_of(panel: Panel) -> list[tuple[int, str, object]]:
    return list(
        BalanceCheck.objects.filter(panel=panel).values_list("end_id", "result", "checked_at")
    )


def test_the_readings_spread_over_the_panels_and_the_orders_year(seeded: None) -> None:
    from benchmarks._balances import seed_readings

    seconds = seed_readings(500)

    assert seconds > 0
    assert BalanceReading.objects.count() == 500
    per_panel = BalanceReading.objects.values("panel").annotate(n=Count("id"))
    assert sorted(row["n"] for row in per_panel) == [25] * Panel.objects.count()
    span = BalanceReading.objects.aggregate(first=Min("read_at"), last=Max("read_at"))
    now = timezone.now()
    assert now - timedelta(days=366) < span["first"] < now - timedelta(days=350)
    assert now - timedelta(days=1) < span["last"] <= now
    orders = Order.objects.aggregate(first=Min("placed_at"), last=Max("placed_at"))
    assert abs(orders["first"] - span["first"]) < timedelta(days=1)  # the same year
    assert abs(orders["last"] - span["last"]) < timedelta(days=1)
    assert not BalanceReading.objects.filter(amount__lte=0).exists()  # topped up in time
    assert TopUp.objects.filter(state=TopUp.State.CONFIRMED).count() == 20 * 39  # 3 weeks in 4


def test_the_balances_add_up_but_for_the_unrecorded_top_ups(seeded: None) -> None:
    """A reading a day: the balance falls most days, rises with a top-up, and the ledger finds
    every interval adds up except a rise for each top-up nobody recorded."""
    from benchmarks._balances import seed_readings

    seed_readings(20 * 365)
    panel = Panel.objects.order_by("name")[1]  # one that gets no refunds from the orders seed

    panel_reconcile(panel=panel)

    checks = BalanceCheck.objects.filter(panel=panel)
    assert checks.count() == 364
    falls = checks.filter(actual__lt=0).count()
    assert falls >= 300
    flagged = checks.filter(result=BalanceCheck.Result.FLAGGED)
    assert flagged.count() == 13  # weeks 4, 8, ..., 52 of the year
    assert all(check.is_rise for check in flagged)


def test_one_panels_day_is_reconciled_and_rolled_back(seeded: None) -> None:
    from benchmarks._balances import measured_day, seed_readings, time_reconciliation

    seed_readings(500)
    panel, day = measured_day()
    assert day < timezone.localdate()
    on_day = BalanceReading.objects.filter(panel=panel, read_at__date=day).count()
    assert on_day >= 1
    readings = BalanceReading.objects.count()

    queries, times, label = time_reconciliation(2)

    assert len(times) == 2
    assert all(ms > 0 for ms in times)
    assert 5 < queries < 40
    assert label.startswith(f"{panel.name}, {day}: {on_day} intervals, ")
    orders = int(label.rsplit(", ", 1)[1].split()[0])
    assert orders > 0
    # The earlier days stay reconciled (the panel's whole history); the timed runs left
    # nothing behind: the same checks, readings and top-ups as before the second call.
    assert BalanceCheck.objects.filter(panel=panel).count() == 24
    before = (_checks_of(panel), BalanceReading.objects.count(), TopUp.objects.count())
    time_reconciliation(1)
    assert (_checks_of(panel), BalanceReading.objects.count(), TopUp.objects.count()) == before
    assert readings == before[1]
