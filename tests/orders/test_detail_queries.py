"""The order page's poll builds only what its block shows: fewer queries than the whole page,
and as many with a long history and many refills as with none."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.models import BulkAction, BulkItem, Order, OrderStatusChange, Refill
from panels.api.normalise import Status
from panels.models import Panel, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def running() -> Order:
    """A placed order the panel is still delivering: its page polls itself."""
    panel = Panel(name="Query Panel", api_url="https://panel.example/api/v2", currency="USD")
    panel.api_key = "k"
    panel.save()
    service = Service.objects.create(
        panel=panel, remote_id="1", name="Followers", rate=Decimal("1.50"), refill=True, cancel=True
    )
    return Order.objects.create(
        panel=panel,
        service=service,
        state=Order.State.PLACED,
        status=Status.IN_PROGRESS,
        remote_id="5001",
        link="https://instagram.com/p/q",
        quantity=1000,
    )


def queries(client: Client, order: Order, **headers: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("orders:detail", args=[order.pk]), **headers)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def add_history_and_refills(order: Order, count: int) -> None:
    start = timezone.now() - timedelta(days=1)
    for n in range(count):
        change = OrderStatusChange.objects.create(
            order=order, status=Status.IN_PROGRESS, remains=1000 - n, note=f"step {n}"
        )
        OrderStatusChange.objects.filter(pk=change.pk).update(
            created_at=start + timedelta(minutes=n)
        )
        Refill.objects.create(order=order, remote_id=f"r-{n}", status="completed")
    bulk = BulkAction.objects.create(kind=BulkAction.Kind.CANCEL, state=BulkAction.State.DONE)
    BulkItem.objects.create(
        bulk=bulk, order=order, outcome=BulkItem.Outcome.REJECTED, message="Not now"
    )


def test_the_poll_makes_fewer_queries_than_the_page(logged_in: Client, running: Order) -> None:
    page, whole = queries(logged_in, running)
    poll, block = queries(logged_in, running, HTTP_HX_REQUEST="true")

    assert poll < page
    assert block.lstrip().startswith('<div id="order-live"')
    assert 'hx-trigger="every 5s"' in block
    assert 'id="cancel"' in whole
    assert 'id="cancel"' not in block


def test_the_poll_does_not_grow_with_history_and_refills(
    logged_in: Client, running: Order, django_assert_num_queries
) -> None:
    empty, _ = queries(logged_in, running, HTTP_HX_REQUEST="true")
    add_history_and_refills(running, 12)

    with django_assert_num_queries(empty):
        block = logged_in.get(
            reverse("orders:detail", args=[running.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()

    assert block.count("step ") == 12
    assert block.count("r-") >= 12
    page, _ = queries(logged_in, running)
    assert empty < page
