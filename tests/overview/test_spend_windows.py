"""The overview's spend summed in pieces of days: a day cut where the last 24 hours or 7 days
begin still gives one amount per day, panel and currency, each window counts exactly the
orders created from its first moment on, and PostgreSQL reads it all from `order_spend`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from orders.models import Order
from overview import spend as spend_module
from overview.selectors import spend_by_currency, spend_per_day
from overview.spend import spend_rows
from panels.models import Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

make_order = partial(OrderFactory, link="https://instagram.com/someone")

NOW = datetime(2026, 3, 10, 15, 30, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def placed(service: Service, amount: str, when: datetime, **fields: object) -> Order:
    order = make_order(service=service, state=Order.State.PLACED, charge=Decimal(amount), **fields)
    Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


def test_each_window_starts_at_its_moment_inside_a_day() -> None:
    service = ServiceFactory(panel=PanelFactory(currency="USD"))
    day_ago, week_ago = NOW - timedelta(hours=24), NOW - timedelta(days=7)
    placed(service, "1", day_ago - TICK)  # yesterday, before the last 24 hours
    placed(service, "2", day_ago)  # yesterday, the first moment of them
    placed(service, "4", week_ago - TICK)  # 7 days ago, before the last 7 days
    placed(service, "8", week_ago)
    placed(service, "16", NOW - timedelta(days=3))

    [spend] = spend_by_currency(now=NOW)

    assert spend.last_24h == Decimal("2")
    assert spend.last_7d == Decimal("27")
    assert spend.orders_7d == 4
    # each day once, whole, however many pieces it was summed in
    yesterday, week_day = date(2026, 3, 9), date(2026, 3, 3)
    assert {e.day: e.amount for e in spend_per_day(now=NOW)} == {
        yesterday: Decimal("3"),
        week_day: Decimal("12"),
        date(2026, 3, 7): Decimal("16"),
    }
    assert spend.by_day[yesterday] == (Decimal("2"), Decimal("3"))
    assert spend.by_day[week_day] == (Decimal("0"), Decimal("8"))


def test_a_day_cut_by_a_window_is_one_row_per_panel_and_currency() -> None:
    alpha = ServiceFactory(panel=PanelFactory(currency="USD"))
    beta = ServiceFactory(panel=PanelFactory(currency="EUR"))
    day_ago = NOW - timedelta(hours=24)
    for when in (day_ago - timedelta(hours=2), day_ago + timedelta(hours=2)):
        placed(alpha, "1.5", when)
        placed(alpha, "0.25", when, currency="")  # in its panel's currency
        placed(beta, "3", when)

    rows = spend_rows(now=NOW, days=30)

    assert [(r.panel_id, r.currency, r.amount, r.last_24h, r.orders_7d) for r in rows] == [
        (alpha.panel_id, "USD", Decimal("3.5"), Decimal("1.75"), 4),
        (beta.panel_id, "EUR", Decimal("6"), Decimal("3"), 2),
    ]


def test_days_follow_the_site_time_zone_across_a_dst_change(settings) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    with timezone.override(berlin):
        service = ServiceFactory(panel=PanelFactory(currency="USD"))
        # 30 March 2025 has 23 hours in Berlin; the last 24 hours begin inside it
        now = datetime(2025, 3, 31, 12, 0, tzinfo=berlin)
        placed(service, "1", datetime(2025, 3, 30, 0, 15, tzinfo=berlin))  # before the 24 h
        placed(service, "2", datetime(2025, 3, 30, 23, 45, tzinfo=berlin))
        placed(service, "4", datetime(2025, 3, 31, 0, 10, tzinfo=berlin))
        placed(service, "8", datetime(2025, 3, 29, 23, 59, tzinfo=berlin))

        [spend] = spend_by_currency(now=now)
        daily = spend_per_day(now=now)

    assert {e.day: e.amount for e in daily} == {
        date(2025, 3, 29): Decimal("8"),
        date(2025, 3, 30): Decimal("3"),
        date(2025, 3, 31): Decimal("4"),
    }
    assert spend.last_24h == Decimal("6")
    assert spend.last_7d == Decimal("15")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's statement")
def test_postgresql_sums_the_same_as_one_select_per_piece() -> None:
    services = [ServiceFactory(panel=PanelFactory(currency=c)) for c in ("USD", "EUR")]
    for n in range(60):
        placed(
            services[n % 2],
            f"{n}.{n:02d}",
            NOW - timedelta(hours=n * 5.3),
            currency="" if n % 3 == 0 else services[n % 2].panel.currency,
            status=("completed", "partial", "canceled", "refunded", "")[n % 5],
            refund=Decimal("0.5") if n % 4 == 0 else None,
        )
    pieces = spend_module._pieces(now=NOW, days=30)

    def key(row: dict[str, object]) -> tuple[object, ...]:
        return (row["piece"], row["panel_id"], row["currency"])

    lateral = sorted(spend_module._spend_per_piece_lateral(pieces), key=key)
    union = sorted(spend_module._spend_per_piece_union(pieces), key=key)

    assert lateral == union
    assert len(lateral) > 20


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_postgresql_reads_the_spend_from_its_index_alone() -> None:
    placed(ServiceFactory(panel=PanelFactory(currency="USD")), "1", NOW - timedelta(days=2))
    with CaptureQueriesContext(connection) as captured:
        spend_rows(now=NOW, currencies={})
    [query] = captured.captured_queries
    with connection.cursor() as cursor:
        # Whatever this small table's statistics say, with no other index to choose from (the
        # test's transaction puts them back) and no scan of the table: order_spend is taken
        # if its condition is the filter's, else a whole index of a constraint is read.
        cursor.execute(
            "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'orders_order'::regclass AND NOT x.indisprimary "
            "AND i.relname <> 'order_spend' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {query['sql']}")
        plan = "\n".join(line for (line,) in cursor.fetchall())

    assert "Index Only Scan using order_spend" in plan, plan
    assert "Filter" not in plan  # no order is read only to be left out
