"""bulk_insert_rows stores every column of every row as the rows' own save would, in one
statement on PostgreSQL, ids in the order given."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.bulk_insert import bulk_insert_rows, insert_rows
from orders.models import Order, OrderStatusChange
from panels.models import Panel, Service

# Every column an order has, and what the insert must not touch: its id and the moments it
# was made (set by the model for each save; one moment for all the rows of one insert).
SKIP = {"id", "created_at", "updated_at"}


def columns(order: Order) -> dict[str, object]:
    return {f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields} | {
        "id": None,
        "created_at": None,
        "updated_at": None,
    }


@pytest.fixture
def catalog(db):
    panels = []
    for name in ("A", "B"):
        panel = Panel(name=name, api_url=f"https://{name.lower()}.example/api/v2")
        panel.api_key = "k-123"
        panel.save()
        panels.append(panel)
    services = [
        Service.objects.create(panel=panel, remote_id="1", name="S", rate="1") for panel in panels
    ]
    return panels, services


def orders(catalog, count: int) -> list[Order]:
    _, services = catalog
    when = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    made = []
    for n in range(count):
        service = services[n % 2]
        made.append(
            Order(
                panel=service.panel,
                service=service,
                link=f"https://x.test/{n}?a='b'",
                link_key=f"x.test/{n}",
                quantity=n + 1 if n % 3 else None,
                params={"comments": f"line {n}\nline 'two'", "nested": [1, "two"]} if n else {},
                estimated_cost=Decimal("0.000000000001") * (n + 1),
                sale_price=None if n % 2 else Decimal("2.50"),
                customer_ref="",
                route={"key": "k", "tried": [n]} if n % 4 == 0 else {},
                next_attempt_at=when if n == 2 else None,
                upload_row=n,
            )
        )
    return made


def test_it_stores_each_rows_own_values_in_one_statement(catalog):
    rows = orders(catalog, 7)
    expected = [columns(order) for order in rows]
    before = timezone.now()

    with CaptureQueriesContext(connection) as queries:
        written = bulk_insert_rows(Order, rows)

    assert written == 7
    stored = list(Order.objects.order_by("pk"))
    assert [columns(order) for order in stored] == expected
    assert [order.pk for order in rows] == [order.pk for order in stored]  # ids in order
    assert [order.upload_row for order in stored] == list(range(7))
    assert before <= stored[0].created_at <= stored[-1].updated_at <= timezone.now()
    assert [o.created_at for o in rows] == [o.created_at for o in stored]  # on the instances
    assert not rows[0]._state.adding
    if connection.vendor == "postgresql":  # elsewhere it is bulk_create
        assert len(queries) == 1
        assert len({(order.created_at, order.updated_at) for order in stored}) == 1


def test_one_row_and_rows_alike_in_every_column(catalog):
    (order,) = orders(catalog, 1)
    assert bulk_insert_rows(Order, [order]) == 1
    assert Order.objects.get().link == "https://x.test/0?a='b'"
    assert order.pk == Order.objects.get().pk

    same = [OrderStatusChange(order=order, status="pending", note="x") for _ in range(3)]
    assert bulk_insert_rows(OrderStatusChange, same) == 3
    assert OrderStatusChange.objects.filter(order=order, note="x").count() == 3
    assert len({change.pk for change in same}) == 3


def test_expressions_go_through_bulk_create(catalog):
    rows = orders(catalog, 3)
    rows[1].attempts = F("attempts")  # not something an insert can read
    with pytest.raises(Exception, match="F\\(\\) expressions"):
        bulk_insert_rows(Order, rows)


def test_nothing_to_insert():
    assert bulk_insert_rows(Order, []) == 0


def test_rows_with_their_own_ids_go_through_bulk_create(catalog):
    rows = orders(catalog, 2)
    rows[0].pk = 9_000
    rows[1].pk = 9_001
    rows[1].client_ref = uuid.uuid4()
    assert bulk_insert_rows(Order, rows) == 2
    assert set(Order.objects.values_list("pk", flat=True)) == {9_000, 9_001}


def test_plain_rows_alike_in_every_column_are_each_inserted(catalog):
    """insert_rows (tuples, no model per row): a batch whose every column holds one value
    still inserts one row per tuple."""
    (order,) = orders(catalog, 1)
    order.save()
    when = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    row = (order.pk, "pending", "Pending", None, None, None, "", when)
    names = ["order", "status", "status_raw", "charge", "start_count", "remains", "note",
             "created_at"]  # fmt: skip

    insert_rows(OrderStatusChange, names, [row] * 3 + [(*row[:6], "last", when)], batch_size=3)

    stored = OrderStatusChange.objects.filter(order=order)
    assert sorted(stored.values_list("note", flat=True)) == ["", "", "", "last"]
    if connection.vendor == "postgresql":  # elsewhere bulk_create sets auto_now_add itself
        assert set(stored.values_list("created_at", flat=True)) == {when}
