"""bulk_update_rows writes exactly the given columns of every row, whatever their type."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.bulk import bulk_update_rows
from core.bulk_insert import insert_rows
from orders.models import Order, OrderStatusChange
from panels.models import Panel, Service


@pytest.fixture
def service(db) -> Service:
    panel = Panel(name="P", api_url="https://p.example/api/v2")
    panel.api_key = "k-123"
    panel.save()
    return Service.objects.create(panel=panel, remote_id="1", name="S", rate="1")


def test_it_writes_each_rows_own_values_in_one_statement_per_batch(service):
    orders = [
        Order.objects.create(
            panel=service.panel, service=service, link=f"https://x.test/{n}", quantity=n + 1
        )
        for n in range(5)
    ]
    when = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    for n, order in enumerate(orders):
        order.charge = Decimal("0.000000000001") * (n + 1) if n else None
        order.status_raw = f"Raw 'status' {n}"
        order.raw_status = {"status": "Partial", "remains": n, "nested": [1, "two"]}
        order.status_checked_at = when
        order.link = "must not be written"

    with CaptureQueriesContext(connection) as queries:
        written = bulk_update_rows(
            Order,
            orders,
            ["charge", "status_raw", "raw_status", "status_checked_at"],
            batch_size=2,
        )

    assert written == 5
    assert len(queries) == 3
    for n, order in enumerate(Order.objects.order_by("pk")):
        assert order.charge == (Decimal("0.000000000001") * (n + 1) if n else None)
        assert order.status_raw == f"Raw 'status' {n}"
        assert order.raw_status == {"status": "Partial", "remains": n, "nested": [1, "two"]}
        assert order.status_checked_at == when
        assert order.link == f"https://x.test/{n}"


def test_insert_rows_writes_every_row_in_one_statement_per_batch(service):
    order = Order.objects.create(
        panel=service.panel, service=service, link="https://x.test/", quantity=1
    )
    when = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
    rows = [
        (order.pk, "partial", f"Raw 'status' {n}", Decimal("0.000000000001") * n or None,
         n, None, "", when)
        for n in range(5)
    ]  # fmt: skip

    with CaptureQueriesContext(connection) as queries:
        insert_rows(
            OrderStatusChange,
            ["order", "status", "status_raw", "charge", "start_count", "remains", "note",
             "created_at"],
            rows,
            batch_size=2,
        )  # fmt: skip

    if connection.vendor == "postgresql":
        assert len(queries) == 3
    else:  # Django's bulk_create sets an auto_now_add column itself
        rows = [(*row[:-1], OrderStatusChange.objects.get(note="", start_count=row[4]).created_at)
                for row in rows]  # fmt: skip
    stored = OrderStatusChange.objects.order_by("start_count").values_list(
        "order_id", "status", "status_raw", "charge", "start_count", "remains", "note",
        "created_at",
    )  # fmt: skip
    assert list(stored) == rows
