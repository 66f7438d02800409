"""Auto-refill on an order's page in a real browser: start a schedule, see it on, stop it."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

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


def test_an_auto_refill_is_started_and_stopped_on_the_order_page(
    live_server: LiveServer, browser: Browser, artifacts: Path
) -> None:
    service = ServiceFactory(
        panel=PanelFactory(name="Refill SMM", currency="USD"), refill=True, refill_days=30
    )
    placed = timezone.now() - timedelta(days=2)
    order = OrderFactory(
        service=service, state=Order.State.PLACED, status=Status.COMPLETED, remote_id="77",
        placed_at=placed, finished_at=placed + timedelta(hours=3),
    )  # fmt: skip
    User.objects.create_user("alice", password=PASSWORD)
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, live_server.url, f"/orders/{order.pk}/")
        form = page.locator("#auto-refill")
        expect(form).to_contain_text("Off.")
        until = timezone.localtime(placed + timedelta(days=30)).strftime("%-d %b %Y")
        expect(form).to_contain_text(f"days until {until}")

        page.get_by_label("Auto-refill: ask every").fill("7")
        form.get_by_role("button", name="Start").click()
        expect(page.locator(".messages")).to_contain_text(
            f"Order #{order.pk}: a refill is asked every 7 days."
        )
        expect(form).to_contain_text("On: a refill is asked by itself every 7 days")
        assert Order.objects.get(pk=order.pk).auto_refill_days == 7
        form.scroll_into_view_if_needed()
        shots(page, artifacts, "auto-refill-on")

        form.get_by_role("button", name="Stop").click()
        expect(page.locator(".messages")).to_contain_text(
            f"Order #{order.pk}: auto-refill stopped."
        )
        expect(form).to_contain_text("Off.")
        assert Order.objects.get(pk=order.pk).auto_refill_days is None
    finally:
        page.context.close()
