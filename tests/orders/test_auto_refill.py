"""Auto-refill: which orders are due, the one bulk refill that asks for them, setting and
stopping a schedule, and a refill asked of a simulated panel by itself."""

from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import BulkAction, BulkItem, Order, Refill
from orders.services import orders_status_sync
from orders.services.auto_refill import (
    order_set_auto_refill,
    orders_auto_refill,
    orders_auto_refill_due,
)
from orders.services.bulk import bulk_execute
from panels.api.normalise import RefillStatus, Status
from panels.models import Service
from tests.factories import OrderFactory, ServiceFactory
from tests.orders.helpers import place, text

NOW = timezone.now()
DAY = timedelta(days=1)
Placed = partial(OrderFactory, state=Order.State.PLACED, status=Status.COMPLETED, remote_id=None)


def refill(order: Order, age: timedelta, status: str = RefillStatus.COMPLETED) -> None:
    made = Refill.objects.create(order=order, remote_id=f"r{order.pk}", status=status)
    Refill.objects.filter(pk=made.pk).update(created_at=NOW - age)


def asked(order: Order, age: timedelta, outcome: str) -> None:
    """A bulk refill that asked for the order `age` ago, with this outcome."""
    bulk = BulkAction.objects.create(kind=BulkAction.Kind.REFILL, description="Auto-refill")
    BulkAction.objects.filter(pk=bulk.pk).update(created_at=NOW - age)
    BulkItem.objects.create(bulk=bulk, order=order, outcome=outcome)


@pytest.mark.django_db
def test_which_orders_are_due() -> None:
    service = ServiceFactory(refill=True, refill_days=30)
    due = [
        Placed(service=service, placed_at=NOW - 10 * DAY, auto_refill_days=7),
        Placed(service=service, placed_at=NOW - 20 * DAY, auto_refill_days=7, status="partial"),
    ]
    refill(due[1], 8 * DAY)  # the last refill, 8 days ago
    not_yet = Placed(service=service, placed_at=NOW - 10 * DAY, auto_refill_days=14)
    just_refilled = Placed(service=service, placed_at=NOW - 20 * DAY, auto_refill_days=7)
    refill(just_refilled, 3 * DAY)
    underway = Placed(service=service, placed_at=NOW - 20 * DAY, auto_refill_days=7)
    refill(underway, 9 * DAY, status=RefillStatus.PENDING)
    past_period = Placed(service=service, placed_at=NOW - 31 * DAY, auto_refill_days=7)
    running = Placed(
        service=service, placed_at=NOW - 10 * DAY, auto_refill_days=7, status="in_progress"
    )
    no_schedule = Placed(service=service, placed_at=NOW - 10 * DAY)
    no_period = Placed(
        service=ServiceFactory(refill=True, refill_days=None),
        placed_at=NOW - 10 * DAY,
        auto_refill_days=7,
    )
    refused = Placed(service=service, placed_at=NOW - 20 * DAY, auto_refill_days=7)
    asked(refused, 2 * DAY, BulkItem.Outcome.REJECTED)  # refused: asked again in 5 days
    waiting = Placed(service=service, placed_at=NOW - 20 * DAY, auto_refill_days=7)
    asked(waiting, timedelta(hours=1), BulkItem.Outcome.PENDING)  # not even sent yet
    due.append(Placed(service=service, placed_at=NOW - 20 * DAY, auto_refill_days=7))
    asked(due[-1], 8 * DAY, BulkItem.Outcome.REJECTED)  # refused a week and a day ago
    left_out = {not_yet, just_refilled, underway, past_period, running, no_schedule, no_period,
                refused, waiting}  # fmt: skip

    found = orders_auto_refill_due(now=NOW)

    assert found == sorted(order.pk for order in due)
    assert not {order.pk for order in left_out} & set(found)


@pytest.mark.django_db
def test_the_due_orders_are_read_in_one_query_whatever_their_number() -> None:
    def queries(count: int) -> int:
        Order.objects.all().delete()
        service = ServiceFactory(refill=True, refill_days=30)
        for _ in range(count):
            refill(Placed(service=service, placed_at=NOW - 20 * DAY, auto_refill_days=7), 8 * DAY)
        with CaptureQueriesContext(connection) as captured:
            assert len(orders_auto_refill_due(now=NOW)) == count
        return len(captured)

    assert queries(2) == queries(20) == 1


@pytest.mark.django_db
def test_a_schedule_needs_a_refill_period_that_is_still_open() -> None:
    order = Placed(service=ServiceFactory(refill=True, refill_days=30), placed_at=NOW - DAY)
    order_set_auto_refill(order=order, every_days=7)
    assert Order.objects.get(pk=order.pk).auto_refill_days == 7
    order_set_auto_refill(order=order, every_days=None)
    assert Order.objects.get(pk=order.pk).auto_refill_days is None

    cases = [
        (order, 0, "Every 1 to 365 days."),
        (order, 400, "Every 1 to 365 days."),
        (Placed(service=ServiceFactory(refill=False)), 7, "does not offer refill"),
        (Placed(service=ServiceFactory(refill=True, refill_days=None)), 7, "states no refill"),
        (
            Placed(service=ServiceFactory(refill=True, refill_days=5), placed_at=NOW - 6 * DAY),
            7,
            "Its refill period is over.",
        ),
    ]
    for case, every, why in cases:
        with pytest.raises(ValidationError, match=why):
            order_set_auto_refill(order=case, every_days=every)
        assert Order.objects.get(pk=case.pk).auto_refill_days is None


@pytest.mark.django_db
def test_the_order_page_sets_and_stops_a_schedule(logged_in) -> None:
    order = Placed(
        service=ServiceFactory(refill=True, refill_days=30), placed_at=NOW - DAY, remote_id="9"
    )
    url = reverse("orders:order_auto_refill", args=[order.pk])
    page = text(logged_in.get(reverse("orders:detail", args=[order.pk])).content.decode())
    assert "Auto-refill: ask every days until" in page
    assert "Off." in page

    page = text(logged_in.post(url, {"every": "7"}, follow=True).content.decode())
    assert f"Order #{order.pk}: a refill is asked every 7 days." in page
    assert "On: a refill is asked by itself every 7 days" in page

    page = text(logged_in.post(url, {"every": "a week"}, follow=True).content.decode())
    assert "Auto-refill: enter a whole number of days, or leave it empty." in page
    assert Order.objects.get(pk=order.pk).auto_refill_days == 7

    page = text(logged_in.post(url, {"every": "7", "stop": "1"}, follow=True).content.decode())
    assert f"Order #{order.pk}: auto-refill stopped." in page
    assert Order.objects.get(pk=order.pk).auto_refill_days is None

    no_period = Placed(service=ServiceFactory(refill=True, refill_days=None), remote_id="10")
    page = text(logged_in.get(reverse("orders:detail", args=[no_period.pk])).content.decode())
    assert "Auto-refill" not in page


def test_a_due_refill_is_asked_of_the_panel_once(sim, panel) -> None:
    service = Service.objects.filter(panel=panel, type="default", refill=True).first()
    Service.objects.filter(pk=service.pk).update(refill_days=30)
    order = place(service)
    sim.advance(60)
    orders_status_sync(panel=panel)
    order.refresh_from_db()
    assert order.status in (Status.COMPLETED, Status.PARTIAL)
    order_set_auto_refill(order=order, every_days=1)
    Order.objects.filter(pk=order.pk).update(placed_at=timezone.now() - 2 * DAY)

    bulk = orders_auto_refill()
    assert bulk is not None
    assert bulk.kind == BulkAction.Kind.REFILL
    assert bulk.description == "Auto-refill of 1 order"
    bulk_execute(bulk_id=bulk.pk)

    item = BulkItem.objects.get(bulk=bulk)
    assert item.outcome == BulkItem.Outcome.DONE
    assert Refill.objects.get(order=order).remote_id
    # Under way now: not asked again.
    assert orders_auto_refill() is None
    assert BulkAction.objects.count() == 1
