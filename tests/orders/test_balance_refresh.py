"""The panel's balance is read again soon after orders spend from it or a bulk action: one
balance call for a burst of orders, scheduled only once the orders are committed."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from orders.models import BulkAction, Order
from orders.services.bulk import bulk_create, bulk_execute
from panels import tasks
from tests.orders.helpers import place, service_of


@pytest.fixture
def scheduled(monkeypatch) -> list[tuple[tuple[int, ...], int]]:
    """The balance refreshes handed to Celery: (args, countdown)."""
    calls: list[tuple[tuple[int, ...], int]] = []
    monkeypatch.setattr(
        tasks.balance_refresh,
        "apply_async",
        lambda args, countdown: calls.append((tuple(args), countdown)),
    )
    return calls


def test_a_burst_of_orders_schedules_one_balance_read_that_sees_them_all(
    sim, panel, scheduled, settings, django_capture_on_commit_callbacks
):
    settings.BALANCE_REFRESH_DELAY = 20
    service = service_of(panel, "default")
    with django_capture_on_commit_callbacks(execute=True):
        orders = [place(service) for _ in range(5)]

    assert all(order.state == Order.State.PLACED for order in orders)
    assert scheduled == [((panel.pk,), 20)]
    before = sim.requests("balance")

    tasks.balance_refresh(panel.pk)  # what the worker runs when the countdown is over

    panel.refresh_from_db()
    spent = sum((Decimal(o["cost"]) for o in sim.orders()), Decimal(0))
    assert panel.balance == Decimal("5000.00") - spent
    assert panel.balance < Decimal("5000.00")
    assert len(sim.requests("balance")) == len(before) + 1


def test_orders_placed_after_the_read_started_schedule_another(
    sim, panel, scheduled, django_capture_on_commit_callbacks
):
    service = service_of(panel, "default")
    with django_capture_on_commit_callbacks(execute=True):
        place(service)
    tasks.balance_refresh(panel.pk)
    with django_capture_on_commit_callbacks(execute=True):
        place(service)
        place(service)

    assert [args for args, _ in scheduled] == [(panel.pk,), (panel.pk,)]


def test_an_order_the_panel_refused_schedules_no_refresh(
    sim, panel, scheduled, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(tasks.balance_sync, "delay", lambda panel_id: None)  # "no funds" path
    sim.set_balance("0")
    service = service_of(panel, "default")
    with django_capture_on_commit_callbacks(execute=True):
        order = place(service)

    assert order.state == Order.State.REJECTED
    assert scheduled == []


def test_a_bulk_cancel_schedules_a_balance_read_of_its_panels(
    sim, panel, scheduled, settings, django_capture_on_commit_callbacks
):
    settings.BALANCE_REFRESH_DELAY = 20
    service = service_of(panel, "default", cancel=True)
    place(service)  # outside the capture: only the bulk action's own refresh is counted
    bulk = bulk_create(kind=BulkAction.Kind.CANCEL, orders=Order.objects.all(), token=uuid.uuid4())

    with django_capture_on_commit_callbacks(execute=True):
        bulk_execute(bulk_id=bulk.pk)

    assert bulk.items.get().outcome == "done"
    assert scheduled == [((panel.pk,), 20)]
