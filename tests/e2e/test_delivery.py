"""A panel's delivery record in a real browser: the panel list loads every panel's record, and
a service's catalog page shows it beside its panel's and the same offer's on another panel,
each at its price, so "cheapest" reads next to "delivers"."""

from __future__ import annotations

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, expect
from pytest_django.live_server_helper import LiveServer

from orders.models import Order
from panels.api.normalise import Status
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def shop() -> tuple[Any, Any]:
    """Two panels selling one offer: Fast SMM completed 4 orders in 2 to 5 hours and let one
    end partial; Cheap SMM, cheaper, completed one in 40 hours and refused two."""
    now = timezone.now()
    fast = ServiceFactory(panel=PanelFactory(name="Fast SMM", currency="USD"), rate=Decimal("1.50"))
    cheap = ServiceFactory(
        panel=PanelFactory(name="Cheap SMM", currency="USD"), rate=Decimal("0.90")
    )
    assert fast.match_key
    assert fast.match_key == cheap.match_key  # one offer
    placed = now - timedelta(days=3)
    for hours in (2, 3, 4, 5):
        OrderFactory(service=fast, state=Order.State.PLACED, status=Status.COMPLETED,
                     placed_at=placed, finished_at=placed + timedelta(hours=hours))  # fmt: skip
    OrderFactory(service=fast, state=Order.State.PLACED, status=Status.PARTIAL, placed_at=placed)
    OrderFactory(service=cheap, state=Order.State.PLACED, status=Status.COMPLETED,
                 placed_at=placed, finished_at=placed + timedelta(hours=40))  # fmt: skip
    for _ in range(2):
        OrderFactory(service=cheap, state=Order.State.REJECTED)
    User.objects.create_user("alice", password=PASSWORD)
    return fast, cheap


def test_the_delivery_records_read_next_to_the_prices(
    live_server: LiveServer, browser: Browser, artifacts: Path
) -> None:
    fast, _ = shop()
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, base, "/panels/")
        table = page.locator("#delivery-table")
        expect(table).to_be_visible()  # loaded by htmx after the page
        rows = table.locator("tbody tr")
        expect(rows.filter(has_text="Fast SMM")).to_contain_text("5")
        expect(rows.filter(has_text="Fast SMM")).to_contain_text("3.5 h · 4.7 h")
        expect(rows.filter(has_text="Fast SMM")).to_contain_text("1 20%")  # partial
        expect(rows.filter(has_text="Cheap SMM")).to_contain_text("40.0 h · 40.0 h")
        expect(rows.filter(has_text="Cheap SMM")).to_contain_text("2 67%")  # refused
        shots(page, artifacts, "delivery-panels")

        page.goto(f"{base}/catalog/{fast.pk}/")
        table = page.locator("#delivery-table")
        expect(table).to_be_visible()
        mine = table.locator("tbody tr").filter(has_text="This service")
        expect(mine).to_contain_text("1.50 USD per 1000")
        expect(mine).to_contain_text("3.5 h · 4.7 h")
        other = table.locator("tbody tr").filter(has_text="Cheap SMM: Instagram Followers")
        expect(other).to_contain_text("0.90 USD per 1000")
        expect(other).to_contain_text("40.0 h · 40.0 h")
        expect(other).to_contain_text("2 67%")
        table.scroll_into_view_if_needed()
        shots(page, artifacts, "delivery-service")
    finally:
        page.context.close()
