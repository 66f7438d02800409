"""Status sync writes its answers a group of WRITE_BATCH orders at a time, while the panel is
asked about the next ids: a few statements per group whatever its size, every group in its own
transaction, and what was answered before a failing call is written."""

from __future__ import annotations

import json
import threading

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext

import orders.services.status as status_module
from orders.models import Order, OrderStatusChange
from orders.services import orders_status_sync
from panels.api.errors import PanelUnavailable
from panels.api.normalise import Status
from panels.models import Panel
from tests.orders.hostile import URL, answer_with, fields, good_status, make_panel, make_service
from tests.orders.hostile import placed as make_placed

GROUP = 100  # WRITE_BATCH in these tests: one call's worth of orders


@pytest.fixture
def panel(db, settings, monkeypatch) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    monkeypatch.setattr(status_module, "WRITE_BATCH", GROUP)
    return make_panel()


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def statements(queries: CaptureQueriesContext) -> dict[str, int]:
    """The sync's statements, by what they do."""
    kinds = {
        "read": 0,
        "lock": 0,
        "write orders": 0,
        "write history": 0,
        "checked times": 0,
    }
    orders, history = Order._meta.db_table, OrderStatusChange._meta.db_table
    for query in queries.captured_queries:
        sql = query["sql"].replace('"', "").replace(history, "HISTORY").replace(orders, "ORDERS")
        if sql.startswith("UPDATE ORDERS AS t"):
            kinds["write orders"] += 1
        elif sql.startswith("UPDATE ORDERS SET status_checked_at"):
            kinds["checked times"] += 1
        elif sql.startswith("UPDATE ORDERS SET"):  # Django's bulk_update (SQLite)
            kinds["write orders"] += 1
        elif sql.startswith("INSERT INTO HISTORY"):
            kinds["write history"] += 1
        elif sql.startswith("SELECT ORDERS.id AS pk, ORDERS.status AS status"):
            kinds["lock"] += 1
        elif sql.startswith("SELECT") and "FROM ORDERS" in sql:
            kinds["read"] += 1
    return kinds


@pytest.mark.parametrize("count", [GROUP, 5 * GROUP + 30])
def test_each_group_of_orders_costs_the_same_few_statements(panel, mock, count) -> None:
    placed = make_placed(panel, make_service(panel=panel), count)
    unchanged = {str(n) for n in range(1, count + 1, 3)}  # every third answer: as stored

    def entry(remote_id: str) -> dict:
        if remote_id in unchanged:
            return {"status": Status.PENDING, "charge": "0.50", "start_count": "7",
                    "remains": "40", "currency": "USD"}  # fmt: skip
        return good_status(remote_id)

    answer_with(mock, lambda f: {i: entry(i) for i in f["orders"].split(",")})
    orders_status_sync(panel=panel)  # the orders' raw answers stored once: now only moves
    Order.objects.update(status=Status.PENDING, remains=40, start_count=7, charge="0.50")

    with CaptureQueriesContext(connection) as queries:
        result = orders_status_sync(panel=panel)

    groups = -(-count // GROUP)
    assert result.calls == groups
    assert (result.checked, result.changed) == (count, count - len(unchanged))
    found = statements(queries)
    split = 0  # Django's bulk_update (SQLite) splits a group at SQLite's 999 parameters
    if connection.vendor == "sqlite":
        split = found["write orders"] - groups
        assert split >= 0
        found["write orders"] = groups
    assert found == {
        "read": 2,  # the ids to ask about, then the orders while the panel answers
        "lock": groups,  # then per group: its rows locked in primary-key order,
        "write orders": groups,  # the changed ones written in one statement,
        "write history": groups,  # their history in one,
        "checked times": groups,  # and the unchanged ones' checked time in one
    }
    # Besides those: the panel's health, and each group's savepoint in the test's transaction.
    assert len(queries) <= 2 + 4 * groups + 2 * groups + 3 + split
    assert OrderStatusChange.objects.filter(status=Status.IN_PROGRESS).count() == 2 * (
        count - len(unchanged)
    )
    assert all(o.status_checked_at for o in Order.objects.filter(pk__in=[p.pk for p in placed]))


def test_what_was_answered_before_a_failing_call_is_written(panel, mock) -> None:
    make_placed(panel, make_service(panel=panel), 3 * GROUP + 50)
    asked: list[list[str]] = []

    def reply(request) -> tuple[int, dict[str, str], str]:
        ids = fields(request)["orders"].split(",")
        asked.append(ids)
        if len(asked) == 3:
            return 500, {}, "Internal Server Error"
        return 200, {}, json.dumps({i: good_status(i) for i in ids})

    mock.add_callback(responses.POST, URL, callback=reply)

    with pytest.raises(PanelUnavailable):
        orders_status_sync(panel=panel)

    assert len(asked) == 3  # nothing is asked after the call that failed
    moved = Order.objects.filter(status=Status.IN_PROGRESS).values_list("remote_id", flat=True)
    assert sorted(moved) == sorted(asked[0] + asked[1])  # the two calls answered
    assert Order.objects.filter(status=Status.PENDING, status_checked_at=None).count() == 150
    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING
    assert [t for t in threading.enumerate() if t.name == "status-fetch"] == []


def test_a_failure_in_our_own_code_stops_the_fetching_thread(panel, mock, monkeypatch) -> None:
    make_placed(panel, make_service(panel=panel), 3 * GROUP)
    answer_with(mock, lambda f: {i: good_status(i) for i in f["orders"].split(",")})

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(status_module, "insert_rows", broken)

    with pytest.raises(RuntimeError, match="a bug"):
        orders_status_sync(panel=panel)

    assert [t for t in threading.enumerate() if t.name == "status-fetch"] == []


def test_an_order_that_ends_between_its_id_and_its_row_being_read_is_left_alone(
    panel, mock, monkeypatch
) -> None:
    orders = make_placed(panel, make_service(panel=panel), 3)
    ended = orders[1]
    answer_with(mock, lambda f: {i: good_status(i) for i in f["orders"].split(",")})

    class EndedMeanwhile(status_module.StatusFetch):
        def __enter__(self):
            # Another sync (a person's Refresh) saw it end once this one had read the ids.
            Order.objects.filter(pk=ended.pk).update(status=Status.CANCELED, remains=100)
            return super().__enter__()

    monkeypatch.setattr(status_module, "StatusFetch", EndedMeanwhile)

    result = orders_status_sync(panel=panel)

    assert (result.checked, result.changed) == (3, 2)
    ended.refresh_from_db()
    assert (ended.status, ended.remains, ended.status_checked_at) == (Status.CANCELED, 100, None)
    assert not ended.status_changes.exists()
    assert Order.objects.filter(status=Status.IN_PROGRESS).count() == 2
