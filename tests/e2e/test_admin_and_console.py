"""The admin as a superuser sees it (branded, the order list readable without sideways
scrolling), the favicon, and a browser console free of errors while the lists search as you
type. Screenshots go to test-artifacts/."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, Route, expect
from playwright.sync_api import Error as PlaywrightError

from orders.models import Order
from panels.models import Panel, Service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def populate() -> None:
    panel = Panel(
        name="Alpha SMM",
        api_url="https://panel.example/api/v2",
        currency="USD",
        balance=Decimal("250"),
        health=Panel.Health.OK,
    )
    panel.api_key = "k"
    panel.save()
    service = Service.objects.create(
        panel=panel,
        remote_id="101",
        rate=Decimal("1.20"),
        name="Instagram Followers [Real Looking Profiles] [Refill 30 Days] [Max 500K] ⚡ Instant",
    )
    for n in range(12):
        Order.objects.create(
            panel=panel,
            service=service,
            state=Order.State.PLACED,
            status="in_progress",
            link=f"https://www.instagram.com/p/C{n:04d}xyzLongShortcodeForAPost/?igsh=abcdef{n}",
            quantity=1000 + n,
            remote_id=str(880000 + n),
            charge=Decimal("1.2"),
            currency="USD",
        )


def wait_until(page: Page, condition: Callable[[], bool], seconds: float = 10) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        page.wait_for_timeout(100)  # lets Playwright deliver the events we wait for
    raise AssertionError("timed out")


def log_in(page: Page, base_url: str, path: str, username: str) -> None:
    page.goto(f"{base_url}{path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}{path}")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_admin_is_branded_and_its_order_list_shows_state_and_status_without_scrolling(
    browser: Browser, live_server, artifacts: Path, viewport: dict[str, int]
) -> None:
    User.objects.create_superuser("root", password=PASSWORD)
    populate()
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "/admin/orders/order/", "root")
        expect(page.locator("#site-name")).to_have_text("SMM Dashboard admin")
        assert page.title().endswith("SMM Dashboard admin")
        expect(page.locator("link[rel=icon]")).to_have_attribute("href", re.compile(r"\.svg$"))
        expect(page.locator("#result_list tbody tr")).to_have_count(12)
        # Both columns a person looks for are on screen as the page opens.
        for column in ("state", "status"):
            box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
            assert box, column
            assert box["x"] + box["width"] <= viewport["width"], (column, box)
        name = "desktop" if viewport is DESKTOP else "phone"
        page.screenshot(path=artifacts / f"admin-orders-{name}.png", full_page=True)
        if viewport is DESKTOP:  # on a laptop the whole row fits
            assert page.evaluate(
                "(() => { const r = document.querySelector('#changelist .results');"
                " return r.scrollWidth <= r.clientWidth; })()"
            )
    finally:
        context.close()


def test_the_favicon_is_served_to_anyone(browser: Browser, live_server) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        answer = page.goto(f"{live_server.url}/favicon.ico")
        assert answer
        assert answer.url.endswith(".svg")
        assert answer.status == 200
        assert answer.headers["content-type"].startswith("image/svg+xml")
    finally:
        context.close()


def test_searching_as_you_type_while_an_answer_is_slow_logs_no_console_error(
    browser: Browser, live_server
) -> None:
    """Typing on while the previous search is still on its way used to abort it, and htmx logs
    every aborted request as a console error."""
    User.objects.create_user("alice", password=PASSWORD)
    populate()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    try:
        log_in(page, live_server.url, "/orders/", "alice")
        expect(page.locator("#results-title")).to_have_text("12 orders")
        held: list[Route] = []
        page.route(re.compile(r"/orders/\?.*q="), lambda route: held.append(route))
        search = page.get_by_label("Search", exact=True)
        search.fill("880003")
        wait_until(page, lambda: len(held) == 1)
        search.fill("880007")  # the first search has not answered yet
        page.wait_for_timeout(600)  # past the 300 ms pause after typing
        page.unroute(re.compile(r"/orders/\?.*q="))
        while held:
            with contextlib.suppress(PlaywrightError):  # a request the page gave up on
                held.pop(0).continue_()
            page.wait_for_timeout(50)
        expect(page.locator("#results-title")).to_have_text("1 order found")
        expect(page.locator("#order-results .cell-link")).to_contain_text("880007")
        assert errors == []
    finally:
        context.close()
