"""The reports page in a real browser: totals, the day chart and the table in the base
currency, orders in another currency converted at their day's rate, grouping switched from
the page, the CSV downloaded; readable on a phone."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from currency.models import CurrencySettings, ExchangeRate
from orders.models import Order
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIRST = date(2026, 11, 1)


@pytest.fixture
def sales(settings) -> None:
    settings.TIME_ZONE = "UTC"
    User.objects.create_user("alice", password=PASSWORD)
    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    for week in range(4):  # a rate a week: each order's day has one within RATE_MAX_AGE_DAYS
        day = FIRST + timedelta(days=7 * week)
        ExchangeRate.objects.create(day=day, base="USD", currency="RUB", rate=Decimal("100"))
    likes = ServiceFactory(panel=PanelFactory(name="Dollar SMM", currency="USD"), name="Likes")
    views = ServiceFactory(panel=PanelFactory(name="Rouble SMM", currency="RUB"), name="Views")
    for n in range(12):
        day = datetime(2026, 11, 1 + n * 2, 12, tzinfo=UTC)
        for service, charge in ((likes, Decimal("1.20") + n), (views, Decimal(150 + 10 * n))):
            OrderFactory(
                service=service,
                state=Order.State.PLACED,
                charge=charge,
                sale_price=Decimal("4") + n,
                customer_ref=f"client-{n % 3}",
                created_at=day + timedelta(hours=n),
            )


def test_the_report_shows_profit_and_switches_grouping(
    browser: Browser, live_server, sales, artifacts: Path
) -> None:
    page = browser.new_context(viewport=DESKTOP, accept_downloads=True).new_page()
    try:
        log_in(page, live_server.url, "/reports/?start=2026-11-01&end=2026-11-30")
        tiles = page.locator(".report-tiles")
        # spend: 12 × 1.20 + 66 = 80.40 USD, plus (12 × 150 + 660) RUB / 100 = 24.60 USD
        expect(tiles).to_contain_text("105.00 USD")
        expect(tiles).to_contain_text("228.00 USD")  # sales: 2 × (12 × 4 + 66)
        expect(tiles).to_contain_text("123.00 USD")  # profit
        expect(page.locator(".report-chart rect")).to_have_count(24)  # spend and sales on 12 days
        shots(page, artifacts, "report-by-day")

        page.get_by_text("By panel").click()
        page.get_by_role("button", name="Show").click()
        rows = page.locator(".report-table tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("Dollar SMM")
        expect(rows.nth(1)).to_contain_text("24.60")
        shots(page, artifacts, "report-by-panel")

        with page.expect_download() as download:
            page.get_by_role("link", name="Export CSV").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert text.splitlines()[-1].startswith("Total,24,105.00,0.00,228.00,123.00")
    finally:
        page.context.close()
