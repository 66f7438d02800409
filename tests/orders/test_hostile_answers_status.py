"""Property tests: any JSON value in any field of a `status`, `refill`, `refill_status`,
`cancel` or `balance` answer, through the real client and the real services on the database.

Whatever the panel sends in an entry, the sync ends without raising, stores no value outside
its column (no negative counts or money, nothing the columns cannot hold), and the
well-formed entry next to the bad ones is still processed."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
import responses
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from orders.models import BulkAction, BulkItem, Order, Refill
from orders.services import orders_status_sync
from orders.services.bulk import bulk_create, bulk_execute
from orders.services.refills import refills_status_sync
from panels.api.answer_values import UNUSABLE
from panels.api.errors import ItemError
from panels.api.normalise import BIG_LIMIT, MONEY_LIMIT, RefillStatus, Status
from panels.api.results import OrderStatus
from panels.models import Panel
from panels.services import balance_sync
from tests.orders.hostile import (
    URL,
    fields,
    good_status,
    make_panel,
    make_service,
    placed,
    refills_of,
)

DB_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TRICKY = st.sampled_from(
    [
        "1e30",
        "-1",
        "-0.5",
        "0,27",
        "12,5",
        "1,234",
        "NaN",
        "Infinity",
        "-Infinity",
        "1" * 300,
        "\x00",
        "In\x00 progress",
        "Unknown",
        "",
        " ",
        "0",
        "1000000000000",
        "9" * 25,
        "1.5",
        "ord_01HG",
        "Completed",
        "Partial",
        "Pending",
        "true",
        "null",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats()
    | st.text(max_size=30)
    | TRICKY
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
STATUS_FIELDS = [
    "status",
    "charge",
    "start_count",
    "remains",
    "currency",
    "runs",
    "orders",
    "posts",
]


def entry_of(base: dict[str, Any]) -> st.SearchStrategy[Any]:
    """An entry with some fields replaced by any JSON value, or any JSON value at all."""
    overrides = st.dictionaries(st.sampled_from(list(base)), JSON, min_size=1)
    return st.builds(lambda o: {**base, **o}, overrides) | JSON


STATUS_ENTRY = entry_of({**good_status(""), "runs": "2", "orders": ["5", "6"], "posts": "3"})


@pytest.fixture
def panel(db, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    return make_panel()


@contextmanager
def panel_answers(body: Any) -> Iterator[responses.RequestsMock]:
    """One hypothesis example: the panel answers `body(fields)`; every write is rolled back."""
    with transaction.atomic(), responses.RequestsMock(assert_all_requests_are_fired=False) as m:

        def reply(request: Any) -> tuple[int, dict[str, str], str]:
            return 200, {}, json.dumps(body(fields(request)), default=str)

        m.add_callback(responses.POST, URL, callback=reply)
        yield m
        transaction.set_rollback(True)


def assert_orders_fit(orders: list[Order]) -> None:
    for order in Order.objects.filter(pk__in=[o.pk for o in orders]):
        assert order.charge is None or Decimal(0) <= order.charge < MONEY_LIMIT
        for number in (order.remains, order.start_count):
            assert number is None or 0 <= number <= BIG_LIMIT
        assert order.status in Status.ALL
        if order.error_reason == UNUSABLE:  # set aside: the previous values stay
            assert (order.charge, order.remains, order.start_count) == (Decimal("0.5"), 40, 7)
            assert order.last_error.startswith("The panel's status answer for this order")


@DB_SETTINGS
@given(entries=st.lists(STATUS_ENTRY, min_size=3, max_size=3))
@example(entries=[{"status": "Pending", "remains": "1e30"}, None, {"charge": "1"}])
def test_any_status_entries_leave_the_good_one_written(panel, entries):
    with panel_answers(
        lambda f: {"1": entries[0], "2": entries[1], "3": entries[2], "4": good_status("4")}
    ):
        orders = placed(panel, make_service(panel=panel), 4)

        result = orders_status_sync(panel=panel)

        assert result.checked == 4
        assert_orders_fit(orders)
        good = Order.objects.get(pk=orders[3].pk)
        assert (good.status, good.remains, good.charge) == (Status.IN_PROGRESS, 10, Decimal("0.27"))
        assert Panel.objects.get(pk=panel.pk).health == Panel.Health.OK


@DB_SETTINGS
@given(entry=STATUS_ENTRY)
def test_any_single_status_answer_concerns_that_order_only(panel, entry):
    is_error = isinstance(entry, dict) and "error" in entry  # the whole call refused: by design
    with panel_answers(lambda f: entry):
        orders = placed(panel, make_service(panel=panel), 1)
        if not is_error:
            answer = panel.client().status("1")
            assert isinstance(answer, OrderStatus | ItemError)

            orders_status_sync(panel=panel)  # `orders=1`, answered in single form

            assert_orders_fit(orders)


REFILL_ITEM = entry_of({"order": 1, "refill": 5})


@DB_SETTINGS
@given(items=st.lists(REFILL_ITEM, max_size=3))
@example(
    items=[
        {"order": 1, "refill": "NaN"},
        {"order": 2, "refill": "1" * 300},
        {"order": 3, "refill": -4},
    ]
)
def test_any_refill_answer_stores_only_usable_refill_ids(panel, items):
    with panel_answers(lambda f: [*items, {"order": "4", "refill": "99"}]):
        orders = placed(panel, make_service(panel=panel), 4, status=Status.COMPLETED)
        bulk = bulk_create(
            kind=BulkAction.Kind.REFILL, orders=Order.objects.all(), token=uuid.uuid4()
        )

        bulk_execute(bulk_id=bulk.pk)

        good = BulkItem.objects.get(bulk=bulk, order=orders[3])
        assert good.outcome == BulkItem.Outcome.DONE
        for remote_id in Refill.objects.values_list("remote_id", flat=True):
            assert remote_id
            assert len(remote_id) <= 100
            assert remote_id.strip() == remote_id
            assert remote_id.lower() not in ("nan", "infinity", "0")
            assert not remote_id.startswith("-")
        assert Refill.objects.get(order=orders[3]).remote_id == "99"


CANCEL_ITEM = entry_of({"order": 1, "cancel": 1})


@DB_SETTINGS
@given(items=st.lists(CANCEL_ITEM, max_size=3))
def test_any_cancel_answer_records_each_order(panel, items):
    with panel_answers(
        lambda f: [
            *items,
            {"order": 4, "cancel": {"error": "Incorrect order ID"}},
            {"order": 5, "cancel": 1},
        ]
    ):
        orders = placed(panel, make_service(panel=panel), 5)
        bulk = bulk_create(
            kind=BulkAction.Kind.CANCEL, orders=Order.objects.all(), token=uuid.uuid4()
        )

        bulk_execute(bulk_id=bulk.pk)

        outcomes = dict(BulkItem.objects.filter(bulk=bulk).values_list("order_id", "outcome"))
        assert outcomes[orders[4].pk] == BulkItem.Outcome.DONE
        assert outcomes[orders[3].pk] == BulkItem.Outcome.REJECTED
        assert BulkItem.Outcome.PENDING not in outcomes.values()


REFILL_STATE_ITEM = entry_of({"refill": "r1", "status": "Completed"})


@DB_SETTINGS
@given(items=st.lists(REFILL_STATE_ITEM, max_size=3))
@example(
    items=[
        {"refill": "r1", "status": "In\x00 progress"},
        {"refill": "r2", "status": {"error": "\x00not found"}},
    ]
)
def test_any_refill_status_answer_leaves_the_good_one_written(panel, items):
    with panel_answers(lambda f: [*items, {"refill": "r4", "status": "Completed"}]):
        orders = placed(panel, make_service(panel=panel), 4, status=Status.COMPLETED)
        refills = refills_of(orders)

        refills_status_sync(panel=panel)

        assert Refill.objects.get(pk=refills[3].pk).status == RefillStatus.COMPLETED
        for refill in Refill.objects.all():
            assert refill.status in RefillStatus.ALL
            assert len(refill.status_raw) <= 100
            assert "\x00" not in refill.last_error


@DB_SETTINGS
@given(balance=JSON, currency=JSON)
@example(balance="1e30", currency="USD")
def test_any_balance_answer_stores_a_usable_amount_or_keeps_the_last(panel, balance, currency):
    with panel_answers(lambda f: {"balance": balance, "currency": currency}):
        balance_sync(panel=panel)

        stored = Panel.objects.get(pk=panel.pk)
        assert stored.balance is not None
        assert abs(stored.balance) < MONEY_LIMIT  # overdrawn is real: a negative balance stays
        assert len(stored.currency) <= 10
        assert stored.health == Panel.Health.OK
        if stored.balance == Decimal("50.00") and stored.last_error:
            assert stored.last_error.startswith("Balance not updated:")
