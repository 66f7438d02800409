"""What the check finds, kind by kind: each says what happened, how many orders or how much
money it touches, and links to the page that resolves it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from alerts.conditions import Found, find_all
from alerts.models import Kind
from ledger.services import panel_reconcile
from orders.models import BulkAction, Order
from orders.upload_models import Upload
from panels.models import CatalogEvent, Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.ledger.helpers import order, reading

pytestmark = pytest.mark.django_db


def found(kind: str) -> list[Found]:
    return [item for item in find_all(now=timezone.now()) if item.kind == kind]


def test_orders_with_an_unknown_outcome_are_one_condition_per_panel() -> None:
    panel = PanelFactory(name="Alpha", currency="USD")
    service = ServiceFactory(panel=panel)
    for _ in range(2):
        OrderFactory(service=service, state=Order.State.UNKNOWN, estimated_cost=Decimal("1.25"))
    OrderFactory(service=service, state=Order.State.PLACED)

    [item] = found(Kind.UNKNOWN_OUTCOME)

    assert item.key == f"unknown_outcome:panel:{panel.pk}"
    assert item.title == "Alpha: 2 orders with an unknown outcome"
    assert "(about 2.50 USD)" in item.body
    assert item.link == f"/orders/?state=unknown&panel={panel.pk}"


def test_stuck_orders_are_one_condition_per_panel() -> None:
    panel = PanelFactory(name="Beta", currency="USD")
    OrderFactory(
        service=ServiceFactory(panel=panel),
        state=Order.State.PLACED,
        status="in_progress",
        stuck="Still in progress after 3 days.",
        estimated_cost=Decimal("4"),
    )

    [item] = found(Kind.STUCK)

    assert item.title == "Beta: 1 order stuck"
    assert "1 order (about 4.00 USD)" in item.body
    assert item.link == f"/orders/?attention=1&panel={panel.pk}"


def test_a_service_that_left_its_panel_with_queued_orders_is_found() -> None:
    panel = PanelFactory(name="Gamma")
    service = ServiceFactory(panel=panel, remote_id="77", name="TikTok Views")
    OrderFactory(
        service=service, state=Order.State.QUEUED, currency="EUR", estimated_cost=Decimal("3")
    )
    assert found(Kind.SERVICE_GONE) == []

    Service.objects.filter(pk=service.pk).update(is_active=False)
    [item] = found(Kind.SERVICE_GONE)

    assert item.title == "Gamma: service 77 is gone with 1 order queued"
    assert "TikTok Views is no longer listed by its panel. 1 order (about 3.00 EUR)" in item.body
    assert item.link == f"/orders/?state=queued&service={service.pk}"


def test_price_rises_count_only_on_services_ordered_in_the_last_30_days() -> None:
    panel = PanelFactory(name="Delta", currency="USD")
    ordered = ServiceFactory(panel=panel, remote_id="5", name="IG Likes")
    idle = ServiceFactory(panel=panel, remote_id="6")
    OrderFactory(service=ordered, quantity=1000)
    OrderFactory(service=ordered, quantity=2500)
    OrderFactory(service=idle, created_at=timezone.now() - timedelta(days=31))
    for service in (ordered, idle):
        CatalogEvent.objects.create(
            panel=panel,
            service=service,
            kind=CatalogEvent.Kind.RATE_CHANGED,
            old_rate=Decimal("0.80"),
            new_rate=Decimal("1.00"),
            rate_change=Decimal("0.25"),
        )
    CatalogEvent.objects.create(  # a price cut is not worth a message
        panel=panel,
        service=ordered,
        kind=CatalogEvent.Kind.RATE_CHANGED,
        old_rate=Decimal("1.00"),
        new_rate=Decimal("0.90"),
        rate_change=Decimal("-0.10"),
    )

    [item] = found(Kind.PRICE_RISE)

    assert item.title == "Delta: +25.0% on IG Likes"
    assert item.measure == Decimal("25")
    assert item.body == (
        "Service 5 went from 0.80 USD to 1.00 USD per 1,000. You placed 2 orders of it in the "
        "last 30 days (3,500 units): at the new price they would cost 0.70 USD more."
    )
    assert item.link == f"/catalog/{ordered.pk}/"


def test_a_balance_move_the_orders_do_not_explain_is_found_until_acknowledged() -> None:
    panel = PanelFactory(name="Cheap", currency="USD", balance=Decimal("-450"))
    reading(panel, 0, "50.00")
    order(panel, 1, "0.08")
    reading(panel, 2, "-450.00")
    panel_reconcile(panel=panel)

    [item] = found(Kind.BALANCE_UNEXPLAINED)

    assert item.title == ("Cheap: the balance is 499.92 USD lower than its orders explain")
    assert "the balance moved -500.00 USD; 1 order and refunds explain -0.08 USD." in item.body
    assert item.link == f"/balances/{panel.pk}/"
    from ledger.models import BalanceCheck

    BalanceCheck.objects.update(acknowledged_at=timezone.now())
    assert found(Kind.BALANCE_UNEXPLAINED) == []


def test_bulk_actions_and_uploads_that_finished_with_failures_are_found() -> None:
    now = timezone.now()
    bulk = BulkAction.objects.create(
        kind=BulkAction.Kind.REFILL,
        state=BulkAction.State.DONE,
        description="12 orders on Alpha",
        eligible=12,
        succeeded=9,
        failed=3,
        finished_at=now,
    )
    BulkAction.objects.create(
        kind=BulkAction.Kind.CANCEL,
        state=BulkAction.State.DONE,
        eligible=4,
        succeeded=4,
        finished_at=now,
    )
    upload = Upload.objects.create(
        kind=Upload.Kind.CSV, state=Upload.State.SUBMITTED, filename="june.csv", submitted_at=now
    )
    service = ServiceFactory()
    for state in (Order.State.PLACED, Order.State.REJECTED, Order.State.UNKNOWN):
        OrderFactory(service=service, upload=upload, state=state)
    waiting = Upload.objects.create(
        kind=Upload.Kind.CSV, state=Upload.State.SUBMITTED, filename="july.csv", submitted_at=now
    )
    OrderFactory(service=service, upload=waiting, state=Order.State.REJECTED)
    OrderFactory(service=service, upload=waiting, state=Order.State.QUEUED)  # not finished yet

    items = sorted(found(Kind.WORK_FAILED), key=lambda item: item.key)

    assert [(item.key, item.title) for item in items] == [
        (f"work_failed:bulk:{bulk.pk}", "Bulk refill: 3 of 12 failed"),
        (f"work_failed:upload:{upload.pk}", "Upload june.csv: 2 of 3 orders failed"),
    ]
    assert items[0].link == f"/orders/bulk/{bulk.pk}/"
    assert items[1].link == f"/orders/upload/{upload.pk}/"


def test_a_panels_words_cannot_ping_a_chat_or_hide_a_link() -> None:
    panel = PanelFactory(name="Hostile")
    service = ServiceFactory(panel=panel, name="@everyone <!channel> [free](https://evil.example)")
    OrderFactory(service=service, state=Order.State.QUEUED)
    Service.objects.filter(pk=service.pk).update(is_active=False)

    [item] = found(Kind.SERVICE_GONE)

    assert item.body.startswith(
        "@\u200beveryone <\u200b!channel> [free]\u200b(https://evil.example) is no longer listed"
    )
