"""bulk_update_rows writes exactly the given columns of every row, whatever their type."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.bulk import bulk_update_rows
from orders.models import Order
from panels.models import Panel, Service


@pytest.mark.django_db
def test_it_writes_each_rows_own_values_in_one_statement_per_batch():
    panel = Panel(name="P", api_url="https://p.example/api/v2")
    panel.api_key = "k-123"
    panel.save()
    service = Service.objects.create(panel=panel, remote_id="1", name="S", rate="1")
    orders = [
        Order.objects.create(
            panel=panel, service=service, link=f"https://x.test/{n}", quantity=n + 1
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
