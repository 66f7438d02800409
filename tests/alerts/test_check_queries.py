"""The check's cost does not grow with the number of orders: the same queries at 1,000 and at
100,000 orders (seeded with COPY, as the benchmarks are)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import Delivery
from alerts.services.check import alerts_check
from benchmarks._seed import insert_orders
from orders.models import Order
from panels.models import Panel
from tests.factories import ChannelFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the seed's VACUUM needs no transaction


def queries_of_a_check() -> int:
    """A check's queries once the orders' conditions are open (the first check opens them)."""
    alerts_check()
    with CaptureQueriesContext(connection) as queries:
        alerts_check(now=timezone.now() + timedelta(minutes=1))
    return len(queries)


def test_the_check_runs_the_same_queries_at_1000_and_100000_orders(django_user_model) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the seed uses COPY, PostgreSQL's (make test runs on it when reachable)")
    user = django_user_model.objects.create_user("seed")
    services = []
    for n in range(5):
        panel = PanelFactory(name=f"P{n}", currency="USD")
        services += [(ServiceFactory(panel=panel).pk, panel.pk) for _ in range(4)]
    ChannelFactory(name="Ops")
    ChannelFactory(name="Owner", digest=True)
    Panel.objects.filter(name="P0").update(
        health=Panel.Health.FAILING, failing_since=timezone.now()
    )

    insert_orders(1_000, services, user.pk)
    assert Order.objects.filter(state=Order.State.UNKNOWN).exists()
    at_1000 = queries_of_a_check()

    Order.objects.all().delete()  # the seed repeats itself: the same first thousand orders
    insert_orders(100_000, services, user.pk)
    assert Order.objects.count() == 100_000
    at_100000 = queries_of_a_check()

    assert at_1000 == at_100000
    assert at_100000 <= 21
    assert Delivery.objects.filter(channel__name="Ops").exists()
