"""Stuck orders: how long an order may run (its service's record, else a default per order),
the periodic check that flags and clears them, and where a person sees them."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.delivery import DeliveryRecord
from orders.models import Order
from orders.selectors import OrderFilters, order_search
from orders.services.stuck import orders_flag_stuck, stuck_limit
from overview.selectors import order_counts, stuck_orders
from panels.api.normalise import Status
from tests.factories import OrderFactory, ServiceFactory

NOW = datetime.fromisoformat("2026-03-10T12:00:00+00:00")
Placed = partial(OrderFactory, state=Order.State.PLACED, remote_id=None)


def record(completed: int, median: float, p90: float) -> DeliveryRecord:
    return DeliveryRecord(sent=completed, completed=completed, median_hours=median, p90_hours=p90)


@pytest.mark.parametrize(
    ("given", "runs", "interval", "hours", "why"),
    [
        # No record: the default, 48 h.
        (
            None,
            None,
            None,
            48,
            "this service has no delivery record yet, so the default limit of 48 h applies",
        ),
        # A drip-feed is meant to take its runs × interval on top.
        (None, 10, 60, 58, "the default limit of 48 h plus its 10 runs every 60 min applies"),
        # Too few completed orders to trust the record: still the default.
        (record(4, 1, 2), None, None, 48, "the default limit of 48 h applies"),
        # A record: twice its 90th percentile.
        (record(5, 1, 3), None, None, 6, "usually complete in 1 h, 9 in 10 within 3 h"),
        # A fast service: never under an hour.
        (record(20, 0.05, 0.1), None, None, 1, "usually complete in 3 min, 9 in 10 within 6 min"),
        # A drip-feed runs its runs x interval on top of its service's usual time.
        (record(5, 1, 3), 10, 60, 16, "9 in 10 within 3 h plus its 10 runs every 60 min"),
        # A slow one reads in days.
        (record(9, 30, 72), None, None, 144, "usually complete in 30 h, 9 in 10 within 3 days"),
    ],
)
def test_how_long_an_order_may_run(given, runs, interval, hours, why) -> None:
    limit = stuck_limit(record=given, runs=runs, interval=interval)
    assert limit.hours == pytest.approx(hours)
    assert why in limit.why


def _completed(service, count: int, took: timedelta) -> None:
    """`count` orders of the service completed in `took` each, within the record's window."""
    for n in range(count):
        placed = NOW - timedelta(days=2, hours=n)
        Placed(
            service=service,
            status=Status.COMPLETED,
            created_at=placed,
            placed_at=placed,
            finished_at=placed + took,
        )


@pytest.mark.django_db
def test_the_check_flags_orders_past_their_limit_and_clears_ended_ones(settings) -> None:
    settings.STUCK_AFTER_HOURS = 48
    fast = ServiceFactory(name="Fast likes")
    _completed(fast, 5, timedelta(hours=2))  # p90 2 h: stuck after 4 h
    unknown = ServiceFactory(name="New service")  # no record: 48 h
    late = Placed(service=fast, status=Status.IN_PROGRESS, placed_at=NOW - timedelta(hours=5))
    on_time = Placed(service=fast, status=Status.PENDING, placed_at=NOW - timedelta(hours=3))
    young = Placed(service=unknown, status=Status.PENDING, placed_at=NOW - timedelta(hours=40))
    old = Placed(service=unknown, status=Status.PROCESSING, placed_at=NOW - timedelta(hours=50))
    sub = Placed(service=unknown, status=Status.ACTIVE, placed_at=NOW - timedelta(days=30))

    check = orders_flag_stuck(now=NOW)

    flagged = dict(Order.objects.exclude(stuck="").values_list("pk", "stuck"))
    assert set(flagged) == {late.pk, old.pk}
    assert (check.running, check.stuck, check.flagged, check.cleared) == (4, 2, 2, 0)
    assert flagged[late.pk].startswith("Still in progress since it was placed on 10 Mar 07:00")
    assert "9 in 10 within 2 h" in flagged[late.pk]
    assert "the default limit of 48 h applies" in flagged[old.pk]
    assert not {on_time.pk, young.pk, sub.pk} & set(flagged)

    # A second run writes nothing new.
    again = orders_flag_stuck(now=NOW)
    assert (again.flagged, again.cleared) == (0, 0)

    # The late one completes; the old one is still stuck.
    Order.objects.filter(pk=late.pk).update(status=Status.COMPLETED)
    later = orders_flag_stuck(now=NOW + timedelta(minutes=15))
    assert later.cleared == 1
    assert set(Order.objects.exclude(stuck="").values_list("pk", flat=True)) == {old.pk}


@pytest.mark.django_db
def test_a_flag_shows_only_while_the_order_runs() -> None:
    """Between an order's end and the next check its flag is stale: nothing reads it."""
    order = Placed(status=Status.IN_PROGRESS, placed_at=NOW - timedelta(days=3), stuck="Still…")
    assert order.is_stuck
    assert order.needs_attention
    order.status = Status.COMPLETED
    assert not order.is_stuck
    assert not order.needs_attention
    Order.objects.filter(pk=order.pk).update(status=Status.COMPLETED)
    assert not order_search(filters=OrderFilters(attention=True)).exists()
    assert order_counts(now=NOW).stuck == 0


@pytest.mark.django_db
def test_stuck_orders_are_listed_under_needs_attention_and_on_the_overview() -> None:
    stuck = Placed(status=Status.IN_PROGRESS, placed_at=NOW - timedelta(days=3), stuck="Still…")
    Placed(status=Status.IN_PROGRESS, placed_at=NOW - timedelta(days=3))
    assert list(order_search(filters=OrderFilters(attention=True))) == [stuck]
    assert order_counts(now=NOW).stuck == 1
    assert stuck_orders() == [stuck]


@pytest.mark.django_db
def test_the_check_reads_in_four_queries_whatever_the_number_of_orders(settings) -> None:
    settings.STUCK_AFTER_HOURS = 1

    def queries(count: int) -> int:
        Order.objects.all().delete()
        service = ServiceFactory()
        _completed(service, 5, timedelta(minutes=30))
        for n in range(count):
            Placed(service=service, status=Status.PENDING, placed_at=NOW - timedelta(hours=3 + n))
        with CaptureQueriesContext(connection) as captured:
            check = orders_flag_stuck(now=NOW)
        assert check.flagged == count
        return len(captured)

    assert queries(3) == queries(30)
