"""Placing orders in a real browser against the simulator: pick a service, watch the live
estimate, place a Default, a Custom Comments and a drip-feed order; follow a status change
(Refresh, and the self-refreshing status block); resolve an order whose outcome is unknown;
cancel an order (confirmed first, answered on its page)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from orders.models import Order
from orders.services import order_create, orders_status_sync
from panels.models import Panel
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.e2e.helpers import DESKTOP, NO_SIDEWAYS_SCROLL, PASSWORD, PHONE, log_in
from tests.orders.helpers import service_of, svc, values_for

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

State = Order.State


@pytest.fixture
def sim(request, tmp_path: Path) -> Iterator[SimulatorHandle]:
    """Orders move a stage a second; a test that watches the stages asks for slower ones."""
    stage = getattr(request, "param", 1)
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",), stage_seconds=stage)
    yield handle
    handle.stop()


@pytest.fixture
def shop(sim: SimulatorHandle, settings) -> Panel:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the dispatch task runs inline, in the server
    settings.PANEL_HTTP_RETRIES = 0
    panel = panel_create(name="Sim Shop", api_url=sim.api_url(), api_key="k")
    catalog_sync(panel=panel)
    balance_sync(panel=panel)
    User.objects.create_user("alice", password=PASSWORD)
    return Panel.objects.get(pk=panel.pk)


def cost(page: Page):
    return page.locator("#estimate .estimate-value")


def place(page: Page) -> Order:
    page.get_by_role("button", name="Place order").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    return Order.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))


def test_it_places_orders_of_three_kinds_with_a_live_estimate(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, base, "/orders/new/")
        expect(page.get_by_text("Pick a service to start")).to_be_visible()

        # Default: found through the picker, across panels.
        page.get_by_label("Search the services of every panel").press_sequentially(
            "followers real", delay=20
        )
        item = page.locator(".picker-item", has_text="Instagram Followers [Real] [Refill 30D]")
        expect(item).to_be_visible()
        page.screenshot(path=artifacts / "order-new-picker-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the picker scrolls sideways on a phone"
        page.screenshot(path=artifacts / "order-new-picker-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        item.click()
        followers = svc(shop, 3)
        expect(page).to_have_url(f"{base}/orders/new/?service={followers.pk}")
        expect(page.locator("#service-title")).to_have_text(followers.name)
        expect(page.locator(".picker-item")).to_have_count(0)  # the results made way
        page.get_by_label("Link", exact=True).fill("https://instagram.com/someone")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("50")
        expect(page.locator("#hint-quantity")).to_contain_text(
            "Quantity 50 is below the service's minimum of 100."
        )
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("2500")
        expect(cost(page)).to_have_text("3.00")  # 2,500 × 1.20 per 1000
        expect(page.locator("#hint-quantity")).not_to_contain_text("below")
        expect(page.locator("#estimate")).to_contain_text("2,500 × 1.20 per 1000")
        default = place(page)
        expect(page.locator(".order-state")).to_have_text("Placed")
        expect(page.get_by_role("status").first).to_contain_text(
            f"Order #{default.pk} is placed on Sim Shop as #"
        )
        assert default.quantity == 2500

        # Custom comments: arriving from the catalog's "Order" link; lines are counted.
        comments = svc(shop, 7)
        page.goto(f"{base}/catalog/?q=custom+comments")
        page.locator(f'a[href="/orders/new/?service={comments.pk}"]').click()
        expect(page.locator("#service-title")).to_have_text(comments.name)
        page.get_by_label("Link", exact=True).fill("https://instagram.com/p/summer")
        box = page.get_by_label("Comments", exact=True)
        box.press_sequentially("Love this!\nSo good\nWow", delay=10)
        expect(page.locator("#hint-comments")).to_contain_text("3 comments")
        expect(page.locator("#hint-comments")).to_contain_text(
            "3 comments given, the service's minimum is 5."
        )
        box.press_sequentially("\nAmazing shot\nBeautiful colours\nWhere is this?", delay=10)
        expect(page.locator("#hint-comments")).to_contain_text("6 comments")
        expect(cost(page)).to_have_text("0.072")  # 6 × 12.00 per 1000
        expect(page.locator("#hint-comments .hint-error")).to_have_count(0)
        page.screenshot(path=artifacts / "order-new-comments-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the form scrolls sideways on a phone"
        page.screenshot(path=artifacts / "order-new-comments-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)
        custom = place(page)
        expect(page.locator(".order-state")).to_have_text("Placed")
        expect(page.locator(".order-facts")).to_contain_text("6 lines")
        assert custom.params["comments"].count("\n") == 5

        # Drip-feed: quantity per run, runs and interval; the total is priced.
        likes = svc(shop, 5)
        page.goto(f"{base}/orders/new/?service={likes.pk}")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/p/drip")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("500")
        page.get_by_label("Runs", exact=True).fill("4")
        page.get_by_label("Interval", exact=True).fill("30")
        expect(page.locator("#hint-quantity")).to_contain_text("Total 2,000 over 4 runs.")
        expect(cost(page)).to_have_text("0.30")  # 4 × 500 × 0.15 per 1000
        drip = place(page)
        expect(page.locator(".order-facts")).to_contain_text("4, every 30 min")
        assert (drip.quantity, drip.runs, drip.interval) == (500, 4, 30)

        # The same link again on that panel: a warning before placing.
        page.goto(f"{base}/orders/new/?service={likes.pk}")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/p/drip")
        warning = page.locator('[data-warning="duplicate"]')
        expect(warning).to_contain_text(f"Order #{drip.pk}")

        fields = [r["fields"] for r in sim.orders()]
        assert [f.get("runs") for f in fields] == [None, None, "4"]
    finally:
        page.context.close()


def test_the_subscription_form(browser: Browser, live_server, shop: Panel, artifacts: Path) -> None:
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        subscription = svc(shop, 17)
        log_in(page, live_server.url, f"/orders/new/?service={subscription.pk}")
        page.get_by_label("Username", exact=True).fill("@natgeo")
        page.get_by_label("Min per post", exact=True).fill("100")
        page.get_by_label("Max per post", exact=True).fill("200")
        expect(page.locator("#estimate")).to_contain_text("No upper bound")
        page.get_by_label(re.compile(r"^Posts")).fill("30")
        page.get_by_label("Delay", exact=True).select_option(label="1 hour")
        page.get_by_label("Expiry").fill((date.today() + timedelta(days=30)).isoformat())
        expect(cost(page)).to_have_text("1.80")  # 200 × 30 × 0.30 per 1000
        expect(page.locator("#estimate")).to_contain_text("Reserved at most")
        page.screenshot(path=artifacts / "order-new-subscription-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the form scrolls sideways on a phone"
        page.screenshot(path=artifacts / "order-new-subscription-phone.png", full_page=True)
        order = place(page)
        expiry = (date.today() + timedelta(days=30)).strftime("%d/%m/%Y")
        assert order.params == {
            "username": "natgeo",
            "min": "100",
            "max": "200",
            "posts": "30",
            "delay": "60",
            "expiry": expiry,
        }
    finally:
        page.context.close()


def test_the_order_page_shows_it_queued_then_placed(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, monkeypatch
) -> None:
    from orders.services import create
    from orders.tasks import dispatch_panel

    woken: list[int] = []  # no worker yet: the dispatch waits until the test plays the worker
    monkeypatch.setattr(create, "_enqueue_dispatch", woken.append)
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        followers = svc(shop, 1)
        log_in(page, live_server.url, f"/orders/new/?service={followers.pk}")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/p/later")
        page.get_by_label("Quantity", exact=True).fill("100")
        expect(cost(page)).to_have_text("0.09")
        order = place(page)
        expect(page.locator(".order-state")).to_have_text("Queued")
        expect(page.locator(".order-state-text")).to_contain_text("Waiting to be sent to Sim Shop")
        expect(page.locator(".order-polling")).to_be_visible()
        assert woken == [shop.pk]

        dispatch_panel(shop.pk)  # the worker

        expect(page.locator(".order-state")).to_have_text("Placed", timeout=10_000)
        order.refresh_from_db()
        expect(page.locator(".order-state-text")).to_contain_text(f"as order #{order.remote_id}")
        expect(page.locator(".order-panel-status")).to_have_text("Pending")
    finally:
        page.context.close()


@pytest.mark.parametrize("sim", [60], indirect=True)  # a minute per stage: time to look
def test_a_status_change_shows_on_refresh_and_by_itself(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        followers = svc(shop, 1)
        log_in(page, live_server.url, f"/orders/new/?service={followers.pk}")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/p/watch")
        page.get_by_label("Quantity", exact=True).fill("1000")
        expect(cost(page)).to_have_text("0.90")
        order = place(page)
        expect(page.locator(".order-state")).to_have_text("Placed")
        expect(page.locator(".order-panel-status")).to_have_text("Pending")
        expect(page.locator(".order-polling")).to_be_visible()  # it refreshes itself

        # Refresh: the panel is asked now.
        sim.advance(90)  # half way through delivery
        page.get_by_role("button", name="Refresh").click()
        expect(page.locator("#order-live .message")).to_have_text(
            "Updated from the panel just now."
        )
        expect(page.locator(".order-panel-status")).to_have_text("In progress")
        expect(page.locator(".order-remains")).to_have_text(re.compile(r"^[1-9]\d\d$"))  # ~500

        # By itself: the background sync changes the order; the block follows within seconds.
        sim.advance(3600)
        orders_status_sync(panel=shop)
        expect(page.locator(".order-panel-status")).to_have_text("Completed", timeout=15_000)
        expect(page.locator("#order-live .message")).to_have_count(0)  # a new block, polled
        expect(page.locator(".order-polling")).to_have_count(0)  # final: polling stopped
        expect(page.locator("#order-live")).not_to_have_attribute("hx-trigger", re.compile("."))
        order.refresh_from_db()
        assert order.is_final
        assert list(order.status_changes.values_list("status", flat=True)) == [
            "pending",
            "in_progress",
            "completed",
        ]
        page.locator(".raw-answer summary").click()
        page.screenshot(path=artifacts / "order-detail-placed-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the order page scrolls sideways on a phone"
        link = page.locator(".fact-link a")
        box, card = link.bounding_box(), page.locator(".order-facts").bounding_box()
        assert box
        assert card
        assert box["x"] + box["width"] <= card["x"] + card["width"] - 8, "the link overflows"
        page.screenshot(path=artifacts / "order-detail-placed-phone.png", full_page=True)
    finally:
        page.context.close()


def test_an_unknown_order_is_resolved_with_the_panels_id(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        sim.set_fault("drop_after_accept", actions=["add"], count=1)
        comments = svc(shop, 7)
        log_in(page, live_server.url, f"/orders/new/?service={comments.pk}")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/p/lost")
        page.get_by_label("Comments", exact=True).fill("One\nTwo\nThree\nFour\nFive")
        expect(cost(page)).to_have_text("0.06")
        order = place(page)
        expect(page.locator(".order-state")).to_have_text("Outcome unknown")
        resolve = page.locator("#resolve")
        expect(resolve).to_contain_text("It is never sent again by itself")
        expect(resolve).to_contain_text("https://instagram.com/p/lost")
        page.screenshot(path=artifacts / "order-detail-unknown-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the order page scrolls sideways on a phone"
        page.screenshot(path=artifacts / "order-detail-unknown-phone.png", full_page=True)
        page.set_viewport_size(DESKTOP)

        # "Not placed, place again" only asks first; going back changes nothing.
        page.get_by_label("Place it again as a new order").check()
        page.get_by_role("button", name="Mark as not placed…").click()
        expect(page.get_by_role("heading", name="Place it again as a new order?")).to_be_visible()
        page.screenshot(path=artifacts / "order-detail-confirm-desktop.png", full_page=True)
        page.get_by_role("link", name="Cancel").click()
        order.refresh_from_db()
        assert order.state == State.UNKNOWN
        assert len(sim.orders()) == 1

        # Found on the panel: its id attaches it, and it is synced at once.
        (remote,) = sim.orders()
        page.get_by_label("The panel's order id").fill(remote["id"])
        page.get_by_role("button", name="Mark as placed").click()
        expect(page.locator(".order-state")).to_have_text("Placed")
        expect(page.get_by_role("status").first).to_contain_text(f"placed as #{remote['id']}")
        order.refresh_from_db()
        assert (order.state, order.remote_id) == (State.PLACED, remote["id"])
        assert order.status_checked_at is not None
        assert len(sim.orders()) == 1  # nothing was sent twice
    finally:
        page.context.close()


@pytest.mark.parametrize("sim", [60], indirect=True)  # the order stays running meanwhile
def test_cancel_is_confirmed_first_and_answered_on_the_order_page(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    service = service_of(shop, "default", cancel=True)
    order = order_create(service=service, values=values_for(service))  # sent at once (eager)
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, live_server.url, f"/orders/{order.pk}/")
        card = page.locator("#cancel")
        expect(card.get_by_role("heading", name="Cancel")).to_be_visible()
        expect(page.locator("#refills-title + .order-bulk-actions #order-cancel")).to_have_count(0)

        # The first click only asks; "No, keep it" leaves everything as it was.
        card.get_by_role("button", name="Cancel order…").click()
        question = page.get_by_role("heading", name=f"Cancel order #{order.pk} on Sim Shop?")
        expect(question).to_be_in_viewport()
        expect(page.locator("#cancel-confirm")).to_contain_text("This cannot be undone")
        page.screenshot(path=artifacts / "order-cancel-confirm-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        expect(question).to_be_in_viewport()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the confirmation scrolls sideways on a phone"
        page.screenshot(path=artifacts / "order-cancel-confirm-phone.png", full_page=True)
        page.get_by_role("link", name="No, keep it").click()
        expect(page).to_have_url(f"{live_server.url}/orders/{order.pk}/")
        assert not sim.requests("cancel")

        # Confirmed: back on the order's page with the panel's answer.
        page.set_viewport_size(DESKTOP)
        card.get_by_role("button", name="Cancel order…").click()
        page.get_by_role("button", name=f"Yes, cancel order #{order.pk}").click()
        expect(page).to_have_url(f"{live_server.url}/orders/{order.pk}/")
        expect(page.locator(".messages")).to_contain_text(
            f"Order #{order.pk}: Sim Shop accepted the cancel."
        )
        expect(card).to_contain_text("Sim Shop accepted the cancel.")
        expect(card).to_contain_text("Only orders still running can be canceled.")
        expect(page.locator(".order-panel-status")).to_have_text("Canceled")
        page.screenshot(path=artifacts / "order-cancel-answer-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the order page scrolls sideways on a phone"
        page.screenshot(path=artifacts / "order-cancel-answer-phone.png", full_page=True)
        assert len(sim.requests("cancel")) == 1
    finally:
        page.context.close()
