"""Every log line of a placement or a sync says which panel (and order) it is about, in both
formats, and none of them ever holds the panel's API key."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.cache import cache

from core.logcontext import JsonFormatter, PlainFormatter, log_context
from orders import tasks
from orders.models import Order
from orders.services import order_create
from panels import tasks as panel_tasks
from tests.orders.helpers import KEY, service_of, values_for


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def queue(panel, count: int) -> list[Order]:
    service = service_of(panel, "default")
    return [
        order_create(service=service, values=values_for(service), dispatch=False)
        for _ in range(count)
    ]


def test_every_line_of_a_placement_names_the_panel_and_the_order(sim, panel, logs):
    orders = queue(panel, 3)
    sim.set_fault("http_429", actions=["add"], count=1)  # the first send is turned away
    logs.clear()

    tasks.dispatch_panel(panel.pk)
    tasks.dispatch_panel(panel.pk)  # the retry, once due
    Order.objects.update(next_attempt_at=None)
    tasks.dispatch_panel(panel.pk)

    assert set(Order.objects.values_list("state", flat=True)) == {Order.State.PLACED}
    ours = [r for r in logs.records if r.name.startswith(("orders", "panels"))]
    assert ours, "placement logs what happened to each order"
    assert all(r.panel_id == panel.pk for r in ours)
    placed = [r for r in ours if "placed as #" in r.getMessage()]
    assert sorted(r.order_id for r in placed) == sorted(o.pk for o in orders)
    not_sent = [r for r in ours if "not sent" in r.getMessage()]
    assert len(not_sent) == 1
    assert not_sent[0].order_id in {o.pk for o in orders}


def test_every_line_of_a_status_sync_names_the_panel(sim, panel, logs):
    for order in queue(panel, 2):
        assert order.state == Order.State.QUEUED
    tasks.dispatch_panel(panel.pk)
    sim.set_fault("http_502", actions=["status"], count=1)  # the first call fails, retried
    logs.clear()

    tasks.status_sync(panel.pk)
    panel_tasks.catalog_sync(panel.pk)
    panel_tasks.balance_sync(panel.pk)

    records = logs.records
    assert records
    assert all(r.panel_id == panel.pk for r in records), [
        (r.name, r.getMessage()) for r in records if r.panel_id != panel.pk
    ]


def test_the_formatters_print_the_context_and_never_the_key(sim, panel, logs):
    queue(panel, 2)
    sim.set_fault("drop_after_accept", actions=["add"], count=1)  # one outcome unknown
    logs.clear()

    tasks.dispatch_panel(panel.pk)
    tasks.status_sync(panel.pk)

    records = logs.records
    assert records
    plain, as_json = PlainFormatter(), JsonFormatter()
    for record in records:
        line = plain.format(record)
        assert f"panel_id={panel.pk}" in line
        parsed = json.loads(as_json.format(record))
        assert parsed["panel_id"] == panel.pk
        assert parsed["message"] == record.getMessage()
        assert KEY not in line
        assert KEY not in as_json.format(record)
    assert any(r.levelno == logging.WARNING and r.order_id for r in records)


def test_lines_outside_any_context_carry_nothing_and_contexts_nest():
    logger = logging.getLogger("tests.context")
    with log_context(panel_id=1):
        with log_context(order_id=2):
            inner = logger.makeRecord("t", logging.INFO, __file__, 1, "in", (), None)
        outer = logger.makeRecord("t", logging.INFO, __file__, 1, "out", (), None)
    after = logger.makeRecord("t", logging.INFO, __file__, 1, "after", (), None)

    assert (inner.panel_id, inner.order_id) == (1, 2)
    assert (outer.panel_id, outer.order_id) == (1, None)
    assert (after.panel_id, after.order_id) == (None, None)
    assert PlainFormatter().format(after).endswith("t: after")
    with pytest.raises(ValueError, match="unknown log fields: api_key"), log_context(api_key="x"):
        pass
