"""Exchange rates in a real browser: set the base currency and a rate on the Rates page, and
the overview's spend adds the other currency into the base total, saying the rate's day."""

from __future__ import annotations

import os
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, expect

from orders.models import Order
from tests.currency.helpers import ECB_DAILY, file_server
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_base_currency_and_a_rate_give_a_converted_total(
    browser: Browser, live_server, artifacts: Path, settings
) -> None:
    settings.BASE_CURRENCY = "EUR"  # a fresh install counting in euros, changed below
    User.objects.create_user("alice", password=PASSWORD)
    dollars = ServiceFactory(panel=PanelFactory(name="Dollar Panel", currency="USD", synced=True))
    rubles = ServiceFactory(panel=PanelFactory(name="Ruble Panel", currency="RUB", synced=True))
    followers = partial(ServiceFactory, category="Instagram Followers", min_quantity=100)
    mine = followers(panel=dollars.panel, name="Instagram Followers [Real]", rate=Decimal("0.9"))
    followers(panel=rubles.panel, name="IG Followers HQ", rate=Decimal("60"))
    for service, charge in ((dollars, "3.00"), (rubles, "500")):
        OrderFactory(service=service, state=Order.State.PLACED, charge=Decimal(charge))
    today = f"{timezone.localdate():%Y-%m-%d}"
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, base, "/rates/")
        page.get_by_role("textbox", name="Base currency").fill("dollars")
        page.get_by_role("button", name="Save base currency").click()
        expect(page.locator(".field .errorlist")).to_contain_text(
            "'dollars' is not a currency: type its three letters, such as USD."
        )
        page.get_by_role("textbox", name="Base currency").fill("usd")
        page.get_by_role("button", name="Save base currency").click()
        expect(page.locator(".messages")).to_have_text("Totals are now shown in USD.")

        page.goto(f"{base}/")
        spend = page.locator("#spend-title").locator("..")
        expect(spend.locator(".spend-notes")).to_contain_text(
            "Not in the USD total: 500.00 RUB. No RUB → USD rate on"
        )

        page.get_by_role("link", name="Rates").click()
        page.get_by_role("textbox", name="Rate", exact=True).fill("100")
        page.get_by_role("textbox", name="Currency", exact=True).fill("RUB")
        page.get_by_label("Day", exact=True).fill(today)
        page.get_by_role("button", name="Save rate").click()
        expect(page.locator(".messages")).to_have_text(f"Saved: on {today}, 1 USD = 100 RUB.")
        row = page.locator(".rates-table tbody tr", has_text="RUB")
        expect(row).to_contain_text("0.01")
        expect(row).to_contain_text("Entered by hand")
        shots(page, artifacts, "rates")

        page.goto(f"{base}/")
        expect(spend.locator("tfoot")).to_contain_text("In all, USD")
        expect(spend.locator("tfoot")).to_contain_text("8.00")  # 3.00 USD + 500 RUB / 100
        expect(spend.locator(".spend-notes")).to_have_text(
            f"RUB converted to USD at the {today} rate: 5.00 USD in 7 days."
        )
        chart = page.locator(".spend-chart")
        expect(chart).to_have_count(1)
        expect(chart).to_contain_text(f"Other currencies converted at the {today} rate")
        expect(chart.locator(".spend-chart-total")).to_contain_text("8.00")
        shots(page, artifacts, "overview-base-currency")

        page.goto(f"{base}/catalog/{mine.pk}/")
        offer = page.locator(".offers-table tbody tr", has_text="IG Followers HQ")
        expect(offer.locator(".cell-base .rate-converted")).to_have_text("0.60 USD")
        expect(offer.locator(".cell-base .tag-converted")).to_have_attribute(
            "title", f"Converted from 60.00 RUB at the {today} rate"
        )
        expect(offer.locator(".base-diff")).to_have_text("−0.30 USD vs this")  # 0.60 − 0.90
        shots(page, artifacts, "service-comparison-converted")
    finally:
        page.context.close()


def test_fetch_now_reads_the_ecb_file_and_a_broken_source_says_why(
    browser: Browser, live_server, artifacts: Path, tmp_path: Path
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    (tmp_path / "eurofxref-daily.xml").write_bytes(ECB_DAILY.read_bytes())
    (tmp_path / "broken.xml").write_bytes(ECB_DAILY.read_bytes()[:700])
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        with file_server(tmp_path) as server:
            log_in(page, live_server.url, "/rates/")
            page.get_by_role("textbox", name="Rates URL").fill(f"{server}/eurofxref-daily.xml")
            page.get_by_role("button", name="Save URL").click()
            page.get_by_role("button", name="Fetch now").click()
            expect(page.locator(".messages")).to_have_text("Fetched 30 rates for 2026-12-04.")
            expect(page.locator(".rates-table tbody tr")).to_have_count(30)
            expect(
                page.locator(".rates-table tbody tr", has_text="1 EUR = 1.0537 USD")
            ).to_contain_text("Fetched")
            shots(page, artifacts, "rates-fetched")

            page.get_by_role("textbox", name="Rates URL").fill(f"{server}/broken.xml")
            page.get_by_role("button", name="Save URL").click()
            page.get_by_role("button", name="Fetch now").click()
            status = page.locator(".rates-status")
            expect(status.locator(".badge-failing")).to_have_text("Last fetch failed")
            expect(status.locator(".error-text")).to_have_text(
                "The rates source did not send readable XML. The rates stored before are kept."
            )
            expect(status).to_contain_text("Last successful fetch:")
            expect(page.locator(".rates-table tbody tr")).to_have_count(30)
            shots(page, artifacts, "rates-fetch-failed")
    finally:
        page.context.close()
