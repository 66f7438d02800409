"""Status sync: 100 ids per call, bulk writes, history, and per-order errors."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.services import orders_refresh, orders_status_sync
from panels.api.errors import PanelUnavailable, Reason
from panels.api.normalise import Status
from panels.services import panel_create
from tests.orders.helpers import place, service_of

State = Order.State


def calls(sim, action: str = "status") -> int:
    return sim.stats()["requests"].get(action, 0)


def test_it_syncs_only_placed_unfinished_orders_in_batches_of_100(sim, panel):
    service = service_of(panel, "default")
    orders = [place(service) for _ in range(3)]
    done = orders[0]
    Order.objects.filter(pk=done.pk).update(status=Status.COMPLETED)
    ghosts = [
        Order(
            panel=panel,
            service=service,
            link=f"https://x.test/g{n}",
            quantity=100,
            state=State.PLACED,
            remote_id=f"9{n:05d}",
            status=Status.PENDING,
        )
        for n in range(230)
    ]
    Order.objects.bulk_create(ghosts)
    sim.reset()  # count only what the sync sends

    result = orders_status_sync(panel=panel)

    assert calls(sim) == 3  # 232 unfinished orders: ceil(232 / 100)
    assert result.checked == 232
    assert result.unknown_ids == 230
    ghost = Order.objects.get(remote_id="900007")
    assert (ghost.state, ghost.error_reason) == (State.PLACED, Reason.INCORRECT_ORDER_ID)
    assert "does not know this order id" in ghost.last_error
    assert Order.objects.get(pk=orders[1].pk).error_reason == ""  # not the whole batch


def test_it_records_progress_to_the_end_with_history(sim, panel):
    order = place(service_of(panel, "default"))

    sim.advance(15)
    orders_status_sync(panel=panel)
    order.refresh_from_db()
    assert order.status == Status.IN_PROGRESS
    assert order.status_raw == "In progress"

    sim.advance(30)
    orders_status_sync(panel=panel)
    order.refresh_from_db()
    remote = sim.orders()[0]
    assert order.status in (Status.COMPLETED, Status.PARTIAL)
    assert order.finished_at is not None
    assert order.charge == Decimal(remote["charge"])
    assert order.remains == int(remote["remains"])
    assert order.raw_status["status"] == remote["status"]
    assert [c.status for c in order.status_changes.all()] == [
        Status.PENDING,
        Status.IN_PROGRESS,
        order.status,
    ]

    sim.reset()
    assert orders_status_sync(panel=panel).calls == 0  # final orders are not asked about again


def test_an_unchanged_answer_writes_no_row_and_no_history(sim, panel):
    service = service_of(panel, "default")
    for _ in range(20):
        place(service)
    orders_status_sync(panel=panel)
    history = sum(o.status_changes.count() for o in Order.objects.all())

    with CaptureQueriesContext(connection) as queries:
        result = orders_status_sync(panel=panel)

    assert result.changed == 0
    assert sum(o.status_changes.count() for o in Order.objects.all()) == history
    # the ids to ask about, the orders, the rows locked in order (another sync may be writing
    # them), the checked times, the panel's health: a few, whatever the number of orders
    assert len(queries) <= 7


def test_a_failing_panel_keeps_what_was_answered_and_reports(sim, panel):
    place(service_of(panel, "default"))
    sim.set_fault("http_500", actions=["status"])

    with pytest.raises(PanelUnavailable):
        orders_status_sync(panel=panel)

    panel.refresh_from_db()
    assert panel.health == panel.Health.FAILING


def test_refresh_syncs_a_selection_now(sim, panel):
    service = service_of(panel, "default")
    first, second = place(service), place(service)
    sim.advance(15)

    results = orders_refresh(orders=[first])

    assert results[panel.pk].checked == 1
    assert Order.objects.get(pk=first.pk).status == Status.IN_PROGRESS
    assert Order.objects.get(pk=second.pk).status == Status.PENDING


def test_sync_orders_command_reports_each_panel(sim, panel):
    place(service_of(panel, "default"))
    broken = panel_create(name="Broken", api_url=sim.api_url(), api_key="wrong")
    Order.objects.create(
        panel=broken,
        service=service_of(panel, "default"),
        quantity=1,
        state=State.PLACED,
        remote_id="1",
        status=Status.PENDING,
    )
    out = io.StringIO()

    with pytest.raises(CommandError, match="1 panel"):
        call_command("sync_orders", stdout=out, stderr=io.StringIO())

    assert "Sim: 1 checked in 1 call," in out.getvalue()
