"""The catalog in a real browser, over three simulated panels with differently written catalogs:
search as you type, filter, sort, open a service and compare it (also across currencies),
read the changes feed."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from panels.models import Panel, Service
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.panels.test_catalog_views import make_panel, make_service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Three panels, each serving one of the simulator's catalogs: the same services, written the
# way different real panels write them ("Instagram Followers [Real]", "IG Followers - HQ ⚡",
# "📸 Instagram Followers | Real Looking").
PANELS = (("Alpha SMM", "base"), ("Boost Panel", "alt1"), ("Cheap Likes Co", "alt2"))
COMPARED = "Instagram Followers [Real] [Refill 30D]"  # base #3, 1.20 and raised to 1.45
NO_OVERFLOW = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def panels(tmp_path: Path) -> Iterator[dict[str, Panel]]:
    """Three simulators, their panels synced twice with a few catalog changes in between."""
    handles: list[SimulatorHandle] = []
    try:
        synced: dict[str, Panel] = {}
        for name, catalog in PANELS:
            # seed001: a panel that also lists descriptions and refill periods
            handle = start_simulator(
                state_dir=tmp_path / catalog, keys=("k",), catalog=catalog, dialect="seed001"
            )
            handles.append(handle)
            panel = panel_create(name=name, api_url=handle.api_url(), api_key="k")
            balance_sync(panel=panel)
            catalog_sync(panel=panel)
            synced[catalog] = panel
        base, alt1, alt2 = handles
        base.update_service(3, catalog="base", rate="1.45")
        base.update_service(5, catalog="base", rate="0.12")
        alt1.update_service(1002, catalog="alt1", rate="0.42", max=20000)
        alt1.add_service(
            catalog="alt1",
            name="IG Followers - Arab Women [Refill 60D]",
            category="Instagram - Followers",
            rate="2.80",
        )
        alt2.remove_services([502], catalog="alt2")
        for panel in synced.values():
            catalog_sync(panel=panel)
        yield synced
    finally:
        for handle in handles:
            handle.stop()


def log_in(page: Page, base_url: str, path: str = "/catalog/") -> None:
    page.goto(f"{base_url}{path}")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}{path}")


def result_rows(page: Page) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#catalog-results tbody tr",
        """rows => rows.map(row => ({
            name: row.querySelector('.service-link').textContent.trim(),
            meta: row.querySelector('.service-meta').textContent.trim(),
            panel: row.querySelector('.panel-label').textContent.trim(),
            rate: row.querySelector('.rate').textContent.trim(),
        }))""",
    )


def rates(rows: list[dict[str, str]]) -> list[Decimal]:
    return [Decimal(row["rate"]) for row in rows]


def test_it_searches_filters_sorts_and_compares(
    browser: Browser, live_server, artifacts: Path, panels: dict[str, Panel]
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server.url)
        expect(page.get_by_role("heading", name="Catalog", exact=True)).to_be_visible()
        expect(page.locator("#results-title")).to_contain_text("services")
        assert len(result_rows(page)) == 50  # a full first page of ~135 services
        page.screenshot(path=artifacts / "catalog-desktop.png", full_page=True)

        # A marker on the window survives HTMX swaps and dies with a page load.
        page.evaluate("window.stillSamePage = true")

        # Search as you type: the table follows, the address bar too.
        page.get_by_label("Search", exact=True).press_sequentially("followers", delay=30)
        expect(page).to_have_url(re.compile(r"/catalog/\?q=followers$"))
        expect(page.locator("#results-title")).to_contain_text("found")
        rows = result_rows(page)
        assert 10 < len(rows) < 50
        assert all("follower" in f"{r['name']} {r['meta']}".lower() for r in rows)

        # Filter by panel: only Boost Panel's services.
        page.get_by_label("Panel", exact=True).select_option(label="Boost Panel")
        expect(page).to_have_url(re.compile(rf"panel={panels['alt1'].pk}"))
        expect(page.locator("#catalog-results .panel-label").first).to_have_text("Boost Panel")
        assert {r["panel"] for r in result_rows(page)} == {"Boost Panel"}
        # ...whose categories are now the only ones offered.
        categories = page.locator("#f-category option").all_inner_texts()
        assert "Instagram - Followers" in categories
        assert "⭐ Instagram Followers ⭐" not in categories

        # Back to every panel, then sort by rate with a click on the column header.
        page.get_by_label("Panel", exact=True).select_option(label="All panels")
        expect(page).to_have_url(re.compile(r"/catalog/\?q=followers$"))
        page.locator("#catalog-results thead").get_by_role("link", name="Rate").click()
        expect(page).to_have_url(re.compile(r"q=followers&sort=rate"))
        expect(page.locator("th[aria-sort='ascending']")).to_have_text("Rate")
        expect(page.get_by_label("Sort by", exact=True)).to_have_value("rate")  # the select follows
        listed = rates(result_rows(page))
        assert listed == sorted(listed)
        assert len({r["panel"] for r in result_rows(page)}) == 3
        assert page.evaluate("window.stillSamePage === true"), "a filter reloaded the page"
        assert page.evaluate(NO_OVERFLOW), "the page scrolls sideways"
        page.screenshot(path=artifacts / "catalog-search-desktop.png", full_page=True)
        top = {"x": 0, "y": 0, "width": 1280, "height": 1000}
        page.screenshot(path=artifacts / "catalog-readme-desktop.png", clip=top, full_page=True)

        # Back: the previous results, and a form that says what they are.
        page.go_back()
        expect(page).to_have_url(re.compile(r"/catalog/\?q=followers$"))
        expect(page.get_by_label("Sort by", exact=True)).to_have_value("name")
        expect(page.get_by_label("Search", exact=True)).to_have_value("followers")
        assert result_rows(page) == rows
        page.go_forward()
        expect(page).to_have_url(re.compile(r"q=followers&sort=rate"))
        expect(page.get_by_label("Sort by", exact=True)).to_have_value("rate")
        # Open a service: its details, how it was read, and the other panels' offers.
        page.get_by_role("link", name=COMPARED, exact=True).click()
        expect(page.get_by_role("heading", name=COMPARED)).to_be_visible()
        expect(page.locator(".signature")).to_have_text("Instagram · Followers · Default")
        offers = page.locator(".offers-table tbody tr:not(.row-this)")
        expect(offers.first).to_contain_text("Cheapest")
        offer_rates = [Decimal(t) for t in offers.locator(".rate").all_inner_texts()]
        assert offer_rates == sorted(offer_rates)
        assert offer_rates[0] == Decimal("0.42")  # Boost Panel's bots, after its price rise
        offer_panels = set(offers.locator(".panel-label").all_inner_texts())
        assert offer_panels == {"Boost Panel", "Cheap Likes Co"}
        expect(page.locator(".verdict")).to_contain_text("Boost Panel sells it for 0.42 USD")
        expect(page.locator(".verdict")).to_contain_text("1.03 less (71.03% cheaper)")
        expect(page.locator("#history")).to_contain_text("Price raised from 1.20 to 1.45 USD")
        page.get_by_text("How matching works").click()
        expect(page.get_by_text("unrecognised services are never matched")).to_be_visible()
        page.screenshot(path=artifacts / "service-desktop.png", full_page=True)
        bottom = page.evaluate(
            "Math.ceil(document.querySelector('#comparison').getBoundingClientRect().bottom"
            " + window.scrollY)"
        )
        page.screenshot(
            path=artifacts / "comparison-readme-desktop.png",
            full_page=True,
            clip={"x": 0, "y": 0, "width": 1280, "height": bottom + 8},
        )

        # The changes feed: price rises first, as sentences.
        page.goto(f"{live_server.url}/catalog/changes/")
        first = page.locator(".changes .change").first
        expect(first).to_contain_text(re.compile(r"raised\s.+\sfrom \d", re.S))
        expect(page.locator("main")).to_contain_text(
            f"Alpha SMM raised {COMPARED} from 1.20 to 1.45 USD"
        )
        expect(page.locator("main")).to_contain_text("Cheap Likes Co removed")
        expect(page.locator("main")).to_contain_text("Boost Panel added")
        page.screenshot(path=artifacts / "changes-desktop.png", full_page=True)

        page.goto(f"{live_server.url}/")
        expect(page.locator("main")).to_contain_text("Latest catalog changes")
        expect(page.locator("main")).to_contain_text(f"raised {COMPARED} from 1.20 to 1.45")
        page.screenshot(path=artifacts / "overview-catalog-changes-desktop.png", full_page=True)
    finally:
        context.close()


def test_it_works_on_a_phone(
    browser: Browser, live_server, artifacts: Path, panels: dict[str, Panel]
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        log_in(page, live_server.url)
        page.get_by_label("Search", exact=True).fill("instagram followers")
        expect(page).to_have_url(re.compile(r"q=instagram\+followers"))
        page.get_by_label("Sort by", exact=True).select_option("rate")
        expect(page).to_have_url(re.compile(r"sort=rate"))
        listed = rates(result_rows(page))
        assert listed == sorted(listed)
        assert page.evaluate(NO_OVERFLOW), "the catalog scrolls sideways"
        page.screenshot(path=artifacts / "catalog-phone.png", full_page=True)

        page.get_by_role("link", name=COMPARED, exact=True).click()
        expect(page.locator(".offers-table")).to_be_visible()
        assert page.evaluate(NO_OVERFLOW), "the service page scrolls sideways"
        page.screenshot(path=artifacts / "service-phone.png", full_page=True)

        page.goto(f"{live_server.url}/catalog/changes/")
        assert page.evaluate(NO_OVERFLOW), "the changes feed scrolls sideways"
        page.screenshot(path=artifacts / "changes-phone.png", full_page=True)
    finally:
        context.close()


def test_it_works_without_javascript(
    browser: Browser, live_server, panels: dict[str, Panel]
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    context = browser.new_context(viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, live_server.url)
        page.get_by_label("Search", exact=True).fill("tiktok")
        page.get_by_label("Refill", exact=True).select_option("yes")
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"q=tiktok.*refill=yes"))
        rows = result_rows(page)
        assert rows
        assert all("tiktok" in f"{r['name']} {r['meta']}".lower() for r in rows)
        page.locator("#catalog-results thead").get_by_role("link", name="Rate").click()
        expect(page).to_have_url(re.compile(r"q=tiktok&refill=yes&sort=rate"))
        listed = rates(result_rows(page))
        assert listed == sorted(listed)
    finally:
        context.close()


def test_a_euro_service_lists_the_dollar_offers_with_the_cheapest_of_each_currency(
    browser: Browser, live_server, artifacts: Path, panels: dict[str, Panel]
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    alpha = Service.objects.get(panel=panels["base"], name=COMPARED)
    euro = make_panel(name="Euro Panel", currency="EUR")
    mine = make_service(panel=euro, name=COMPARED, rate=Decimal("0.30"), category=alpha.category)
    usd_panels = {p.name for p in panels.values()}
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    try:
        log_in(page, live_server.url, f"/catalog/{mine.pk}/")
        comparison = page.locator("#comparison")
        expect(comparison).not_to_contain_text("No other panel sells this")
        expect(page.locator(".verdict")).to_contain_text("No other panel sells it in EUR")
        expect(page.get_by_role("heading", name="In USD")).to_be_visible()
        rows = page.locator(".offers-table tbody tr")
        listed = [Decimal(t) for t in rows.locator(".rate").all_inner_texts()]
        assert listed == sorted(listed)
        assert set(rows.locator(".panel-label").all_inner_texts()) == usd_panels
        assert set(rows.locator(".currency").all_inner_texts()) == {"USD"}
        # The badge is on every row at the lowest dollar rate and on no other.
        marked = [row.locator(".tag-best").count() == 1 for row in rows.all()]
        assert marked == [rate == listed[0] for rate in listed]
        expect(rows.locator(".tag-best").first).to_have_text("Cheapest in USD")
        expect(page.locator(".offers-table th", has_text="vs this")).to_have_count(0)
        page.screenshot(path=artifacts / "comparison-other-currency-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_OVERFLOW), "the comparison scrolls sideways on a phone"
        page.screenshot(path=artifacts / "comparison-other-currency-phone.png", full_page=True)

        # From a dollar service: its own currency compared first, the euro offer apart.
        page.set_viewport_size(DESKTOP)
        page.goto(f"{live_server.url}/catalog/{alpha.pk}/")
        tables = page.locator(".offers-table")
        expect(tables).to_have_count(2)
        own = tables.nth(0).locator("tbody tr")
        own_rates = [Decimal(t) for t in own.locator(".rate").all_inner_texts()]
        marked = [row.locator(".tag-best").count() == 1 for row in own.all()]
        assert marked == [rate == min(own_rates) for rate in own_rates]
        expect(own.locator(".tag-best").first).to_have_text("Cheapest in USD")
        expect(page.get_by_role("heading", name="In EUR")).to_be_visible()
        euro_rows = tables.nth(1).locator("tbody tr")
        expect(euro_rows).to_have_count(1)
        expect(euro_rows).to_contain_text("Euro Panel")
        expect(euro_rows).to_contain_text("Cheapest in EUR")
        expect(tables.nth(1)).not_to_contain_text("vs this")
        page.screenshot(path=artifacts / "comparison-two-currencies-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert page.evaluate(NO_OVERFLOW), "the comparison scrolls sideways on a phone"
        page.screenshot(path=artifacts / "comparison-two-currencies-phone.png", full_page=True)
    finally:
        context.close()
