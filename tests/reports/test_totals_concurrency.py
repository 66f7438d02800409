"""A panel's currency changing while an order without a currency of its own is written: the
order counts once, in the currency the panel ends with (reports/totals_sql.py, `_log`)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction

from orders.models import Order
from panels.models import Panel
from reports.models import PanelDayTotal
from reports.services import totals_fold, totals_rebuild
from tests.factories import OrderFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)  # two connections, each committing


def waiting_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row is not None and row[0] == "Lock"


def test_an_order_written_during_a_panels_currency_change_counts_in_the_new_one(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the totals are kept by a PostgreSQL trigger")
    settings.TIME_ZONE = "UTC"
    totals_rebuild()
    service = ServiceFactory(panel__currency="EUR")
    writer_pid: list[int] = []
    failures: list[BaseException] = []

    def write_order() -> None:
        try:
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                writer_pid.append(cursor.fetchone()[0])
            OrderFactory(service=service, state=Order.State.PLACED, currency="",
                         charge=Decimal("10"))  # fmt: skip
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections["default"].close()

    writer = threading.Thread(target=write_order)
    with transaction.atomic():
        Panel.objects.filter(pk=service.panel_id).update(currency="RUB")  # not committed yet
        writer.start()
        deadline = time.monotonic() + 30
        # The order's trigger must wait for this change, not read the panel's old currency.
        while not (writer_pid and waiting_for_a_lock(writer_pid[0])):
            assert writer.is_alive(), "the order was written without waiting for the panel"
            assert time.monotonic() < deadline, "the writer never started waiting"
            time.sleep(0.05)
    writer.join(30)
    assert not failures, failures

    totals_fold()
    assert list(PanelDayTotal.objects.values_list("currency", "orders", "cost")) == [
        ("RUB", 1, Decimal("10"))
    ]
