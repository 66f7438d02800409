"""Delivery records (orders/delivery.py): what a panel and a service delivered, from our
orders' history, in a fixed number of queries; shown on their own page and the service page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders.delivery import _p90, delivery_records
from orders.models import Order, Refill
from panels.api.normalise import RefillStatus, Status
from panels.models import MatchVerdict, Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.orders.helpers import text

pytestmark = pytest.mark.django_db
State = Order.State


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def shop(now):
    # One offer (the same name) on two panels.
    busy = ServiceFactory(panel=PanelFactory(name="Busy SMM", currency="USD"))
    quiet = ServiceFactory(panel=PanelFactory(name="Quiet SMM", currency="USD"))
    placed = now - timedelta(days=3)

    def order(status="", state=State.PLACED, hours=None, created=None):
        made = OrderFactory(
            service=busy, state=state, status=status, placed_at=placed,
            finished_at=placed + timedelta(hours=hours) if hours is not None else None,
            created_at=created or placed,
        )  # fmt: skip
        return made

    order(Status.COMPLETED, hours=2)
    done = order(Status.COMPLETED, hours=4)
    order(Status.PARTIAL, hours=9)
    order(state=State.REJECTED)
    order(state=State.UNKNOWN)
    order(Status.COMPLETED, hours=500, created=now - timedelta(days=100))  # too old to count
    for status in (RefillStatus.COMPLETED, RefillStatus.REJECTED, RefillStatus.PENDING):
        Refill.objects.create(order=done, remote_id=f"r-{status}", status=status)
    return busy, quiet


def test_a_panels_record_counts_what_its_orders_did(shop, now) -> None:
    busy, quiet = shop
    records = delivery_records(by="panel", ids=[busy.panel_id, quiet.panel_id], now=now)

    record = records[busy.panel_id]
    assert (record.sent, record.completed, record.partial, record.refused, record.unknown) == (
        5, 2, 1, 1, 1,
    )  # fmt: skip
    assert record.median_hours == pytest.approx(3.0)
    assert record.p90_hours == pytest.approx(3.8)  # 2 h and 4 h, linear like percentile_cont
    assert (record.refills, record.refills_done, record.refill_success) == (2, 1, "50%")
    assert (record.partial_share, record.refused_share) == ("20%", "20%")
    assert quiet.panel_id not in records  # no orders: the page shows an empty record


def test_a_service_record_and_the_queries_do_not_grow(shop, now) -> None:
    busy, _ = shop

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            delivery_records(by="service", ids=[busy.pk], now=now)
        return len(captured)

    few = queries()
    for _ in range(20):
        OrderFactory(service=busy, state=State.PLACED, status=Status.COMPLETED,
                     placed_at=now - timedelta(hours=5), finished_at=now)  # fmt: skip
    assert queries() == few == 3
    assert delivery_records(by="service", ids=[busy.pk], now=now)[busy.pk].sent == 25


def test_the_ninetieth_percentile_is_read_as_postgresql_reads_it() -> None:
    assert _p90([7200.0]) == 7200.0
    assert _p90([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0]) == pytest.approx(10.0)
    assert _p90([0.0, 10.0]) == pytest.approx(9.0)


def test_the_pages_show_the_records(logged_in, shop) -> None:
    busy, _ = shop
    page = text(logged_in.get(reverse("orders:delivery")).content.decode())
    assert "Busy SMM 5 3.0 h · 3.8 h 1 20% 0 0% 0 0% 1 20% 1 1 of 2 50%" in page
    assert "Quiet SMM 0 — 0 0 0 0 0 —" in page
    part = logged_in.get(reverse("orders:delivery_service", args=[busy.pk]), HTTP_HX_REQUEST="true")
    assert "This service 1.50 USD per 1000 5 3.0 h" in text(part.content.decode())
    assert "All of Busy SMM — 5" in text(part.content.decode())
    listing = logged_in.get(reverse("panels:list")).content.decode()
    assert f'hx-get="{reverse("orders:delivery")}"' in listing


def test_a_service_page_shows_the_same_offer_on_the_other_panels(logged_in, shop) -> None:
    """Cheapest next to delivers: each panel's service of the offer, its price and record."""
    busy, quiet = shop
    assert busy.match_key
    assert busy.match_key == quiet.match_key
    Service.objects.filter(pk=quiet.pk).update(rate="0.90")
    ServiceFactory(panel=PanelFactory(name="Gone SMM"), is_active=False)
    ServiceFactory(panel=PanelFactory(name="Off SMM", is_active=False))
    split = ServiceFactory(panel=PanelFactory(name="Split SMM"))
    MatchVerdict.objects.create(
        service=split, key=split.match_key, verdict=MatchVerdict.Verdict.SPLIT
    )
    ServiceFactory(panel=PanelFactory(name="Other SMM"), name="YouTube Views")
    part = logged_in.get(reverse("orders:delivery_service", args=[busy.pk]), HTTP_HX_REQUEST="true")
    page = text(part.content.decode())
    assert "This service 1.50 USD per 1000 5 3.0 h" in page
    assert "Quiet SMM: Instagram Followers 0.90 USD per 1000 0 —" in page
    assert "Gone SMM" not in page
    assert "Off SMM" not in page
    assert "Split SMM" not in page
    assert "Other SMM" not in page
    alone = logged_in.get(
        reverse("orders:delivery_service", args=[quiet.pk]), HTTP_HX_REQUEST="true"
    )
    assert "Busy SMM: Instagram Followers 1.50 USD per 1000 5 3.0 h" in text(alone.content.decode())
    listing = logged_in.get(reverse("panels:list")).content.decode()
    assert f'hx-get="{reverse("orders:delivery")}"' in listing
