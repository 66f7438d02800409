"""Log in through the form, see the overview, log out: in a real browser."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from orders.models import Order
from panels.models import Panel, Service
from tests.factories import PanelFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def populate() -> None:
    now = timezone.now()
    ok = PanelFactory(
        name="Alpha SMM",
        balance=Decimal("1234.5"),
        currency="USD",
        health=Panel.Health.OK,
        balance_checked_at=now - timedelta(minutes=4),
        catalog_synced_at=now - timedelta(minutes=40),
    )
    PanelFactory(
        name="Boost Panel",
        balance=Decimal("3.2"),
        currency="EUR",
        health=Panel.Health.OK,
        balance_checked_at=now - timedelta(minutes=9),
        catalog_synced_at=now - timedelta(hours=2),
    )
    PanelFactory(
        name="Cheap Likes Co",
        balance=Decimal("87.10"),
        currency="USD",
        health=Panel.Health.FAILING,
        failing_since=now - timedelta(hours=3),
        last_error="<script>alert(1)</script> 502 Bad Gateway from upstream",
        last_error_at=now - timedelta(minutes=2),
        balance_checked_at=now - timedelta(hours=3),
    )
    PanelFactory(name="Delta Growth")
    service = Service.objects.create(
        panel=ok,
        remote_id="101",
        name="Instagram Followers [Real, 30d refill]",
        rate=Decimal("1.2"),
    )
    for charge in ("1.20", "2.40", "0.36"):
        Order.objects.create(
            panel=ok,
            service=service,
            link="https://instagram.com/someone",
            quantity=1000,
            state=Order.State.PLACED,
            charge=Decimal(charge),
            currency="USD",
        )
    Order.objects.create(
        panel=ok,
        service=service,
        link="https://instagram.com/p/Cx12345",
        quantity=500,
        state=Order.State.UNKNOWN,
    )
    Order.objects.create(
        panel=ok, service=service, link="https://instagram.com/other", state=Order.State.QUEUED
    )


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_it_logs_in_shows_the_overview_and_logs_out(
    browser: Browser, live_server, artifacts: Path, label: str, viewport: dict[str, int]
) -> None:
    User.objects.create_user("alice", password=PASSWORD, first_name="Alice", last_name="Reseller")
    populate()
    base_url = live_server.url
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{base_url}/accounts/login/")
        expect(page.get_by_label("Username")).to_be_focused()
        page.screenshot(path=artifacts / f"login-{label}.png", full_page=True)

        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill("wrong password")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_contain_text("correct username and password")
        page.screenshot(path=artifacts / f"login-error-{label}.png", full_page=True)

        log_in(page, base_url)
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        cards = page.locator("#panel-cards")
        expect(cards).to_contain_text("Alpha SMM")
        expect(cards).to_contain_text("1,234.50")
        expect(cards).to_contain_text("<script>alert(1)</script>")  # shown as text, not run
        no_overflow = "document.documentElement.scrollWidth <= window.innerWidth"
        assert page.evaluate(no_overflow), "the page scrolls sideways"
        page.screenshot(path=artifacts / f"overview-{label}.png", full_page=True)

        # The cards refresh themselves; do what the 30 s poll does, now.
        Panel.objects.filter(name="Alpha SMM").update(balance=Decimal("999.99"))
        page.evaluate("htmx.ajax('GET', '/', {target: '#panel-cards', swap: 'outerHTML'})")
        expect(cards).to_contain_text("999.99")
        expect(page.locator("#panel-cards")).to_have_count(1)
        expect(page.get_by_role("heading", name="Needs attention")).to_have_count(1)

        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(f"{base_url}/accounts/login/")
        page.goto(f"{base_url}/")
        expect(page).to_have_url(f"{base_url}/accounts/login/?next=/")
    finally:
        context.close()


def test_it_tells_a_newcomer_how_to_add_a_panel(
    browser: Browser, live_server, artifacts: Path
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server.url)
        expect(page.get_by_text("No panels yet")).to_be_visible()
        page.get_by_role("link", name="Add your first panel").click()
        expect(page.get_by_role("heading", name="Add a panel")).to_be_visible()
        page.go_back()
        expect(page.get_by_text("All clear")).to_be_visible()
        page.screenshot(path=artifacts / "overview-empty-desktop.png", full_page=True)
    finally:
        context.close()


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_overview_links_rejected_orders_and_has_shortcuts(
    browser: Browser, live_server, artifacts: Path, label: str, viewport: dict[str, int]
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    populate()
    rejected = Order.objects.create(
        panel=Panel.objects.get(name="Alpha SMM"),
        service=Service.objects.get(remote_id="101"),
        link="https://instagram.com/refused",
        quantity=100,
        state=Order.State.REJECTED,
        last_error="Not enough funds on balance",
    )
    base_url = live_server.url
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, base_url)
        shortcuts = page.locator(".page-head")
        expect(shortcuts.get_by_role("link", name="New order")).to_be_in_viewport()
        expect(shortcuts.get_by_role("link", name="Upload orders")).to_be_in_viewport()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.screenshot(path=artifacts / f"overview-shortcuts-{label}.png", full_page=True)

        page.get_by_role("link", name="Show the rejected orders since").click()
        expect(page).to_have_url(re.compile(r"/orders/\?state=rejected&from=\d{4}-\d\d-\d\d$"))
        expect(page.locator("#results-title")).to_have_text(re.compile(r"^\s*1 order\b"))
        expect(page.locator(f"#order-{rejected.pk}")).to_contain_text("Not enough funds")

        page.go_back()
        page.locator(".page-head").get_by_role("link", name="New order").click()
        expect(page).to_have_url(f"{base_url}/orders/new/")
    finally:
        context.close()
