"""The benchmarks' bulk seeding (COPY) keeps up with the order table: a column added to Order
without a value there breaks `make bench`, and this test, on PostgreSQL (COPY is its own)."""

from __future__ import annotations

import pytest
from django.db import connection

from benchmarks._seed import insert_orders
from orders.links import target_key
from orders.models import Order
from tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)  # VACUUM cannot run in a transaction


def test_the_seeded_orders_are_whole_rows(django_user_model) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL (make test uses it when it is reachable)")
    user = django_user_model.objects.create_user("bench")
    service = ServiceFactory()

    insert_orders(50, [(service.pk, service.panel_id)], user.pk)

    assert Order.objects.count() == 50
    order = Order.objects.exclude(link="").first()
    assert order is not None
    assert order.link_key == target_key(link=order.link)  # what the duplicate-link rule compares
    assert Order.objects.filter(state="placed", charge__isnull=False).exists()


def test_a_seed_in_two_parts_is_the_whole_seed(django_user_model) -> None:
    """The order list benchmark seeds every n-th order first (its small size), then the rest,
    the indexes dropped and built again: the same orders as one seed, and the same indexes."""
    if connection.vendor != "postgresql":
        pytest.skip("the seed is PostgreSQL's own SQL")
    from django.utils import timezone

    from benchmarks._seed import seed_orders

    user = django_user_model.objects.create_user("bench")
    service = ServiceFactory()
    pairs = [(service.pk, service.panel_id)]
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders_order'")
        indexes = sorted(cursor.fetchall())

    first = seed_orders(100, pairs, user.pk, every=10, now=now)
    rest = seed_orders(100, pairs, user.pk, every=10, rest=True, now=now, rebuild_indexes=True)

    assert (first.rows, rest.rows) == (10, 90)
    parts = sorted(Order.objects.values_list("client_ref", "created_at", "link", "state"))
    Order.objects.all().delete()
    seed_orders(100, pairs, user.pk, now=now)
    assert sorted(Order.objects.values_list("client_ref", "created_at", "link", "state")) == parts
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'orders_order'")
        assert sorted(cursor.fetchall()) == indexes


def test_the_reports_seed_fills_every_column_and_reads_back(django_user_model) -> None:
    """benchmarks/reports.py seeds with one INSERT ... SELECT naming its columns: a column added
    to Order without a default breaks it here first."""
    if connection.vendor != "postgresql":
        pytest.skip("generate_series and gen_random_uuid are PostgreSQL's")
    from datetime import timedelta

    from django.utils import timezone

    from benchmarks.reports import PANELS, seed
    from reports.selectors import money_report

    seed(300)

    assert Order.objects.count() == 300
    today = timezone.localdate()
    report = money_report(by="panel", first=today - timedelta(days=366), last=today)
    assert report.totals.orders == 300
    assert len(report.rows) == PANELS
    assert report.totals.unconverted == 0  # a rate for every currency and day


def test_the_status_sync_workers_seed_copies_whole_placed_orders() -> None:
    """`benchmarks/status_sync_workers.py` COPYs the orders it puts on each simulator into our
    database as placed orders that were never synced."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY needs PostgreSQL (make test uses it when it is reachable)")
    from benchmarks.status_sync_workers import copy_orders

    service = ServiceFactory()
    placed = [(str(1000 + n), 7, f"https://instagram.com/p/sync{n}/", 100) for n in range(3)]

    copy_orders(service.panel, placed, {7: service.pk})

    orders = list(Order.objects.order_by("remote_id"))
    assert [o.remote_id for o in orders] == ["1000", "1001", "1002"]
    assert {(o.state, o.status, o.service_id, o.panel_id) for o in orders} == {
        ("placed", "pending", service.pk, service.panel_id)
    }
    assert orders[0].link_key == target_key(link=orders[0].link)
