"""Refill windows: where a service states its refill period, an order shows until when it can
be refilled, and bulk refill leaves out orders past it with that reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import BulkAction, Order
from orders.services.bulk import bulk_preview
from panels.api.normalise import Status
from tests.factories import OrderFactory, ServiceFactory
from tests.orders.helpers import text

pytestmark = pytest.mark.django_db


def completed(service, *, days_ago: float) -> Order:
    placed = timezone.now() - timedelta(days=days_ago)
    return OrderFactory(service=service, state=Order.State.PLACED, remote_id=f"r{days_ago}",
                        status=Status.COMPLETED, placed_at=placed)  # fmt: skip


@pytest.fixture
def month_refill():
    return ServiceFactory(refill=True, refill_days=30)


def test_bulk_refill_leaves_out_orders_past_the_period(month_refill) -> None:
    inside = completed(month_refill, days_ago=29)
    past = completed(month_refill, days_ago=31)
    no_period = completed(ServiceFactory(refill=True, refill_days=None), days_ago=400)

    preview = bulk_preview(kind=BulkAction.Kind.REFILL, orders=Order.objects.all())

    assert (preview.total, preview.eligible) == (3, 2)
    assert [reason for _, reason, _ in preview.reasons()] == [
        "Past the service's refill period (counted from when it was placed)."
    ]
    assert inside.refill_until == inside.placed_at + timedelta(days=30)
    assert past.refill_until < timezone.now()
    assert no_period.refill_until is None


def test_the_order_page_says_until_when_or_since_when(logged_in, month_refill) -> None:
    inside = completed(month_refill, days_ago=3)
    past = completed(month_refill, days_ago=45)

    page = text(logged_in.get(reverse("orders:detail", args=[inside.pk])).content.decode())
    until = timezone.localtime(inside.refill_until)
    assert (
        f"Refills can be asked for until {until:%-d %b %Y, %H:%M} (30 days from placing)." in page
    )
    assert "Refill " in page  # the button is offered

    page = text(logged_in.get(reverse("orders:detail", args=[past.pk])).content.decode())
    ended = timezone.localtime(past.refill_until)
    assert f"The refill period ended on {ended:%-d %b %Y, %H:%M} (30 days from placing)." in page
    assert "Past the service's refill period" in page


def test_no_line_without_a_stated_period(logged_in) -> None:
    order = completed(ServiceFactory(refill=True, refill_days=None), days_ago=3)
    page = logged_in.get(reverse("orders:detail", args=[order.pk])).content.decode()
    assert "order-refill-until" not in page
