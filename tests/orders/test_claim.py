"""Claiming the next queued order of a panel, and what one send costs in queries."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders import tasks
from orders.models import Order, OrderStatusChange
from orders.services import claim as claim_module
from orders.services import order_claim_next, order_dispatch
from tests.orders.helpers import adds, queue

State = Order.State


def test_the_claim_takes_the_oldest_due_order_and_moves_it_to_submitting(sim, panel):
    first, second, third = queue(panel, 3)
    now = timezone.now()
    Order.objects.filter(pk=first.pk).update(next_attempt_at=now + timedelta(minutes=5))
    Order.objects.filter(pk=third.pk).update(created_at=now - timedelta(hours=1))

    claimed = order_claim_next(panel_id=panel.pk)

    assert claimed is not None
    assert claimed.pk == third.pk
    assert claimed.state == State.SUBMITTING
    assert claimed.submitted_at is not None
    assert claimed.panel == panel
    assert claimed.service_id == third.service_id
    assert order_claim_next(panel_id=panel.pk).pk == second.pk
    assert order_claim_next(panel_id=panel.pk) is None
    assert Order.objects.get(pk=first.pk).state == State.QUEUED


def scans(plan: dict) -> list[tuple[str, str]]:
    """(node type, index) of every node of an EXPLAIN (FORMAT JSON) plan that reads a table."""
    found = [(plan["Node Type"], plan.get("Index Name", ""))] if "Relation Name" in plan else []
    for child in plan.get("Plans", ()):
        found += scans(child)
    return found


def test_the_claim_updates_its_order_by_id_whatever_the_statistics(panel):
    """Right after a big upload the statistics still say few orders are queued; the claim's
    UPDATE must still go straight to its row by the primary key, not through a state index
    over every queued order. The test's tables were never analysed: that is this case."""
    if connection.vendor != "postgresql":
        pytest.skip("the one-statement claim is PostgreSQL's")
    queue(panel, 30)
    sql = claim_module._CLAIM_NEXT_SQL
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (FORMAT JSON) " + sql, claim_module._claim_params(panel.pk, timezone.now())
        )
        plan = cursor.fetchone()[0][0]["Plan"]

    assert plan["Node Type"] == "ModifyTable"
    updated = [
        scans(child) for child in plan["Plans"] if child.get("Parent Relationship") != "InitPlan"
    ]
    assert updated == [[("Index Scan", "orders_order_pkey")]]


@pytest.mark.django_db(transaction=True)
def test_the_claim_passes_over_an_order_another_dispatcher_is_taking(sim, panel):
    """An order locked by another dispatcher's claim is not waited for: the next one is
    taken, and the locked one is not claimed twice."""
    if connection.vendor != "postgresql":
        pytest.skip("SKIP LOCKED is PostgreSQL's; SQLite has one writer at a time")
    first, second = queue(panel, 2)
    locked, release = threading.Event(), threading.Event()

    def other_dispatcher() -> None:
        try:
            with transaction.atomic():
                Order.objects.select_for_update().get(pk=first.pk)
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    holder = threading.Thread(target=other_dispatcher)
    holder.start()
    try:
        assert locked.wait(10)
        claimed = order_claim_next(panel_id=panel.pk)
    finally:
        release.set()
        holder.join()

    assert claimed is not None
    assert claimed.pk == second.pk
    assert Order.objects.get(pk=first.pk).state == State.QUEUED


def test_an_order_id_another_order_holds_leaves_the_order_unknown(sim, panel):
    """The panel answers with an id already recorded for another of its orders: the order
    was placed, but cannot be recorded safely; a person checks it on the panel."""
    (holder,) = queue(panel, 1)
    Order.objects.filter(pk=holder.pk).update(state=State.PLACED, remote_id="1")
    (order,) = queue(panel, 1)

    order = order_dispatch(order=order_claim_next(panel_id=panel.pk))

    assert adds(sim) == 1
    assert sim.orders()[0]["id"] == "1"
    order.refresh_from_db()
    assert order.state == State.UNKNOWN
    assert order.error_reason == "duplicate_remote_id"
    assert "order id 1, which another order already has" in order.last_error
    assert order.remote_id is None
    assert order.add_answer  # the panel's answer is kept for the person checking
    assert not OrderStatusChange.objects.filter(order=order).exists()


def test_a_placed_order_is_returned_as_it_was_recorded(sim, panel):
    (order,) = queue(panel, 1)

    placed = order_dispatch(order=order_claim_next(panel_id=panel.pk))

    stored = Order.objects.get(pk=order.pk)
    for field in ("state", "remote_id", "placed_at", "status", "next_attempt_at", "last_error",
                  "error_reason", "add_answer"):  # fmt: skip
        assert getattr(placed, field) == getattr(stored, field), field
    assert stored.state == State.PLACED


def sending_queries(panel, count: int) -> int:
    queue(panel, count)
    with CaptureQueriesContext(connection) as queries:
        tasks.dispatch_panel(panel.pk)
    assert Order.objects.filter(state=State.PLACED).count() >= count
    return len(queries)


def test_each_order_sent_costs_its_claim_and_its_outcome(sim, panel, monkeypatch):
    """Per order on PostgreSQL: the claim, which returns the order it claimed, and the outcome
    with its status change; the panel and the service are read once per dispatcher, not per
    order. Elsewhere: the claim's read and update, then the order read with its panel and
    service. Under the test's transaction the outcome's own transaction shows as a savepoint
    and its release."""
    monkeypatch.setattr(tasks.dispatch_panel, "delay", lambda *args: None)
    few = sending_queries(panel, 2)
    many = sending_queries(panel, 7)

    before_the_send = 1 if connection.vendor == "postgresql" else 3
    assert many - few == 5 * (before_the_send + 4)


@pytest.mark.django_db(transaction=True)
def test_only_the_outcome_commits_without_waiting_for_the_disk(sim, panel):
    """The claim is committed durably before the send; the outcome's own transaction sets
    synchronous_commit off for itself alone (the next claim's commit flushes it)."""
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")
    queue(panel, 1)
    with CaptureQueriesContext(connection) as queries:
        claimed = order_claim_next(panel_id=panel.pk)
        order_dispatch(order=claimed)
    sql = [q["sql"] for q in queries.captured_queries]

    lazy = [n for n, text in enumerate(sql) if "synchronous_commit" in text]
    placed = next(n for n, text in enumerate(sql) if "'placed'" in text)
    assert len(lazy) == 1
    assert sql[0].strip().startswith("UPDATE")  # the claim, in a transaction of its own
    assert 0 < lazy[0] < placed
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # the connection's own setting is untouched
