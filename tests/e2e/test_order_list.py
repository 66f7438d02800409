"""The order list in a real browser: filter, search, sort, export the filter to CSV; and the
overview's spend chart. Screenshots (desktop and phone) go to test-artifacts/."""

from __future__ import annotations

import csv
import io
import os
import random
import re
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from orders.models import Order
from panels.models import Panel, Service
from tests.e2e.helpers import DESKTOP, PASSWORD, PHONE, log_in
from tests.factories import PanelFactory

# Panels with money on them that answer: the list shows their orders as they are.
make_panel = partial(PanelFactory, balance=Decimal("250"), health=Panel.Health.OK)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


def populate() -> dict[str, object]:
    """Three panels (two in USD, one in EUR), a month of orders, one whose outcome is unknown."""
    rng = random.Random(3)
    alpha = make_panel(name="Alpha SMM", currency="USD")
    boost = make_panel(name="Boost Panel", currency="USD")
    euro = make_panel(name="Euro Likes", currency="EUR")
    services = [
        Service.objects.create(panel=panel, remote_id=remote_id, name=name, rate=Decimal(rate))
        for panel, remote_id, name, rate in (
            (alpha, "101", "Instagram Followers [Real] [Refill 30D]", "1.20"),
            (alpha, "102", "Instagram Likes | Instant", "0.35"),
            (boost, "7", "TikTok Views ⚡ Fast", "0.02"),
            (euro, "55", "YouTube Views (non drop) 🔥", "2.10"),
        )
    ]
    # Noon of the site's day: every order stays on the day it was given, whatever the hour
    # the suite runs at, so the chart's bars are the same on every run.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    statuses = ["completed"] * 6 + ["in_progress", "pending", "partial", "canceled"]
    for n in range(64):
        service = services[n % len(services)]
        status = rng.choice(statuses)
        quantity = rng.choice((500, 1000, 2500, 5000))
        order = Order.objects.create(
            panel=service.panel,
            service=service,
            state=Order.State.PLACED,
            status=status,
            link=f"https://www.instagram.com/p/C{rng.getrandbits(36):x}/",
            quantity=quantity,
            remote_id=str(880000 + n),
            charge=service.rate * quantity / 1000,
            remains=0 if status == "completed" else quantity // 2,
            source=rng.choice([Order.Source.FORM, Order.Source.FORM, Order.Source.CSV]),
        )
        Order.objects.filter(pk=order.pk).update(
            created_at=noon - timedelta(days=rng.randrange(1, 29), minutes=rng.randrange(600))
        )
    Order.objects.create(
        panel=alpha,
        service=services[0],
        state=Order.State.QUEUED,
        link="https://www.instagram.com/brand.new/",
        quantity=1000,
        estimated_cost=Decimal("1.20"),
    )
    unknown = Order.objects.create(
        panel=boost,
        service=services[2],
        state=Order.State.UNKNOWN,
        quantity=2000,
        link="https://www.tiktok.com/@someone/video/7301234567890123456",
        last_error="The connection broke after the order was sent.",
    )
    Order.objects.create(
        panel=euro,
        service=services[3],
        state=Order.State.REJECTED,
        link="https://youtu.be/dQw4w9WgXcQ",
        quantity=100,
        last_error="Not enough funds on the panel's balance.",
    )
    return {"unknown": unknown, "alpha": alpha}


def row_ids(page: Page) -> list[int]:
    return [
        int(v)
        for v in page.eval_on_selector_all(
            "#order-results input[name=ids]", "boxes => boxes.map(b => b.value)"
        )
    ]


def test_it_filters_searches_and_exports(browser: Browser, live_server, artifacts: Path) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    data = populate()
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "/orders/")
        expect(page.get_by_role("heading", name="Orders", exact=True)).to_be_visible()
        expect(page.locator("#results-title")).to_have_text("67 orders")
        assert len(row_ids(page)) == 50
        # The unknown order is marked, with what to do.
        expect(page.locator(".attention-row")).to_contain_text("Look for it on the panel's site")
        # Orders in progress are shown, so the list refreshes itself.
        expect(page.locator("#order-results")).to_have_attribute("hx-trigger", "every 15s")
        assert page.evaluate(NO_OVERFLOW)
        page.screenshot(path=artifacts / "orders-list-desktop.png", full_page=True)
        page.screenshot(path=artifacts / "orders-list-desktop-top.png")
        box = page.locator("#order-results").bounding_box()
        assert box
        page.screenshot(
            path=artifacts / "orders-list-desktop-rows.png",
            full_page=True,
            clip={"x": 0, "y": box["y"] - 8, "width": DESKTOP["width"], "height": 900},
        )

        page.evaluate("window.stillSamePage = true")  # dies with a full page load

        # A state chip narrows the list and the form follows.
        counts = page.locator(".status-counts")
        counts.get_by_role("link", name=re.compile(r"^Outcome unknown")).click()
        expect(page).to_have_url(re.compile(r"/orders/\?state=unknown$"))
        expect(page.locator("#results-title")).to_have_text("1 order found")
        expect(page.locator("#f-state")).to_have_value("unknown")
        assert row_ids(page) == [data["unknown"].pk]
        assert page.evaluate("window.stillSamePage === true")  # swapped in, no page load

        # Back to everything, then a panel and a panel status from the selects.
        page.get_by_role("link", name="Reset").click()
        expect(page.locator("#results-title")).to_have_text("67 orders")
        page.get_by_label("Panel", exact=True).select_option(label="Alpha SMM")
        expect(page).to_have_url(re.compile(rf"panel={data['alpha'].pk}"))
        expect(page.locator("#f-service option")).to_have_count(3)  # its two ordered services
        page.get_by_role("combobox", name="Panel status").select_option(label="Completed")
        expect(page).to_have_url(re.compile(r"status=completed"))
        expect(page.locator("#results-title")).to_contain_text("found")
        panels = page.locator("#order-results .panel-label").all_inner_texts()
        assert panels
        assert set(panels) == {"Alpha SMM"}
        badges = page.locator("#order-results .cell-status .badge").all_inner_texts()
        assert set(badges) == {"Completed"}
        filtered = len(row_ids(page))

        # Export exactly this filter.
        with page.expect_download() as download_info:
            page.get_by_role("link", name=re.compile(r"^Export \d+ to CSV")).click()
        download = download_info.value
        assert download.suggested_filename.startswith("orders-")
        body = Path(download.path()).read_text(encoding="utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(body)))
        assert len(rows) == filtered
        assert {r["Panel"] for r in rows} == {"Alpha SMM"}
        assert {r["Status"] for r in rows} == {"completed"}

        # Search by link, as you type.
        page.get_by_role("link", name="Reset").click()
        expect(page.locator("#results-title")).to_have_text("67 orders")
        page.get_by_label("Search", exact=True).press_sequentially("tiktok.com/@someone", delay=20)
        expect(page).to_have_url(re.compile(r"q=tiktok.com"))
        expect(page.locator("#results-title")).to_have_text("1 order found")
        # ...and by the panel's order id.
        page.get_by_label("Search", exact=True).fill("880005")
        expect(page.locator("#results-title")).to_have_text("1 order found")
        expect(page.locator("#order-results .cell-link")).to_contain_text("880005")

        # Sorting by a column header.
        page.get_by_role("link", name="Reset").click()
        expect(page.locator("#results-title")).to_have_text("67 orders")
        page.evaluate("window.stillSamePage = true")
        page.locator("#order-results").get_by_role("link", name="Charge").click()
        expect(page).to_have_url(re.compile(r"sort=-charge"))
        expect(page.locator("#f-sort")).to_have_value("-charge")
        charges = [
            Decimal(t.replace("≈", "").strip())
            for t in page.locator("#order-results .cell-charge .rate").all_inner_texts()
        ]
        assert charges == sorted(charges, reverse=True)
        assert page.evaluate("window.stillSamePage === true")  # all of it without a page load
    finally:
        context.close()


def test_screenshots_on_a_phone(browser: Browser, live_server, artifacts: Path) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    populate()
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        log_in(page, live_server.url, "/orders/")
        expect(page.locator("#results-title")).to_have_text("67 orders")
        assert page.evaluate(NO_OVERFLOW)
        page.screenshot(path=artifacts / "orders-list-phone.png", full_page=True)
        page.screenshot(path=artifacts / "orders-list-phone-top.png")
        box = page.locator("#order-results").bounding_box()
        assert box
        page.screenshot(
            path=artifacts / "orders-list-phone-rows.png",
            full_page=True,
            clip={"x": 0, "y": box["y"] - 8, "width": PHONE["width"], "height": 1100},
        )

        page.goto(f"{live_server.url}/")
        expect(page.locator(".spend-chart")).to_have_count(2)  # USD and EUR
        assert page.evaluate(NO_OVERFLOW)
        page.screenshot(path=artifacts / "overview-chart-phone.png", full_page=True)
        page.locator("section:has(#spend-chart-title)").screenshot(
            path=artifacts / "overview-chart-section-phone.png"
        )
    finally:
        context.close()


def test_the_overview_draws_spend_per_day(browser: Browser, live_server, artifacts: Path) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    populate()
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "/")
        charts = page.locator(".spend-chart")
        expect(charts).to_have_count(2)
        # The base currency's chart first; euros without a rate keep their own, saying why.
        expect(charts.nth(0)).to_contain_text("USD per day")
        expect(charts.nth(1)).to_contain_text("EUR per day")
        expect(charts.nth(1)).to_contain_text("Not converted to USD: No EUR → USD rate on")
        expect(charts.nth(0).locator(".legend-name")).to_have_text(["Alpha SMM", "Boost Panel"])
        assert charts.nth(0).locator("rect").count() > 10
        expect(page.get_by_text("Placed orders by panel status")).to_be_visible()
        page.locator("#spend-chart-title").scroll_into_view_if_needed()
        page.screenshot(path=artifacts / "overview-chart-desktop.png", full_page=True)
        page.locator("section:has(#spend-chart-title)").screenshot(
            path=artifacts / "overview-chart-section-desktop.png"
        )
        # Hover the tallest bar: a bar a fraction of a pixel high would leave it to the SVG.
        bars = charts.nth(0).locator("rect")
        heights = bars.evaluate_all("rects => rects.map(r => r.getBBox().height)")
        tallest = bars.nth(heights.index(max(heights)))
        assert max(heights) > 10
        tallest.hover()
        assert tallest.evaluate("r => r.matches(':hover')")
        charts.nth(0).get_by_text("Show the numbers").click()
        expect(charts.nth(0).locator("details table")).to_be_visible()
    finally:
        context.close()


LONG_LINK = (
    "https://www.instagram.com/p/C1a2B3c4D5e/?img_index=3&utm_source=ig_web_copy_link&igsh=abc"
)


def test_whole_links_comment_counts_and_one_money_format(
    browser: Browser, live_server, artifacts: Path
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    panel = make_panel(name="Alpha SMM", currency="USD")
    comments = Service.objects.create(
        panel=panel,
        remote_id="7",
        type="custom_comments",
        name="Instagram Custom Comments",
        rate=Decimal("12"),
    )
    followers = Service.objects.create(
        panel=panel, remote_id="8", rate=Decimal("1.20"), name="Instagram Followers [Real]"
    )
    listed = Order.objects.create(
        panel=panel,
        service=comments,
        order_type="custom_comments",
        state=Order.State.PLACED,
        status="pending",
        remote_id="501",
        link=LONG_LINK,
        currency="USD",
        params={"comments": "Love it\nSo good\nWow\nNice shot"},
        charge=Decimal("2.2225"),
    )
    Order.objects.create(
        panel=panel,
        service=followers,
        state=Order.State.PLACED,
        status="completed",
        remote_id="502",
        quantity=1_000_000,
        link="https://instagram.com/brand",
        currency="USD",
        charge=Decimal("1000.000000000000"),
    )
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server.url, "/orders/")
        row = page.locator(f"#order-{listed.pk}")
        for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page.set_viewport_size(viewport)
            link = row.locator(".order-link")
            expect(link).to_have_text(LONG_LINK)
            # Nothing of it is hidden: it wraps inside its cell instead of being cut.
            assert link.evaluate("el => el.scrollWidth <= el.clientWidth")
            box, cell = link.bounding_box(), row.locator(".cell-link").bounding_box()
            assert box
            assert cell
            assert box["x"] + box["width"] <= cell["x"] + cell["width"] + 1
            expect(row.locator(".cell-quantity .quantity")).to_have_text("4")
            expect(row.locator(".cell-quantity .per-unit").first).to_have_text("comments")
            expect(row.locator(".cell-charge")).to_contain_text("2.2225 USD")
            expect(page.locator(".cell-charge", has_text="1,000.00 USD")).to_have_count(1)
            assert page.evaluate(NO_OVERFLOW), f"the list scrolls sideways ({name})"
            page.screenshot(path=artifacts / f"orders-list-links-{name}.png", full_page=True)
    finally:
        context.close()
