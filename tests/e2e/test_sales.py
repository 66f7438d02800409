"""Selling in a real browser against the simulator: set a markup rule, open a new order, see
the suggested sale price follow the quantity (and stay once typed over), place the order with
a customer, and see the profit on the order page (estimated, then from the panel's charge)
and in the order list."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from currency.models import ExchangeRate
from orders.models import Order, PriceRule
from orders.services import create, orders_status_sync
from panels.models import Panel
from simulator import SimulatorHandle
from tests.e2e.helpers import DESKTOP, NO_SIDEWAYS_SCROLL, PHONE, log_in
from tests.e2e.test_orders import place, shop, sim
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.orders.helpers import svc

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
__all__ = ["shop", "sim"]  # the simulated panel's fixtures, shared with the order tests


def shots(page: Page, artifacts: Path, name: str, what: str) -> None:
    """The page on a desktop and on a phone (where it must not scroll sideways), to look at;
    back to the desktop size after."""
    page.screenshot(path=artifacts / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"the {what} sideways on a phone"
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_a_markup_rule_suggests_the_price_and_the_order_shows_its_profit(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        # A rule for everything: +50%, at least 1.00.
        log_in(page, base, "/orders/price-rules/")
        expect(page.get_by_text("No price rules yet")).to_be_visible()
        page.get_by_label("Markup %").fill("abc")
        page.get_by_role("button", name="Add rule").click()
        expect(page.locator("#price-rule-form")).to_contain_text("“abc” is not an amount")
        page.get_by_label("Markup %").fill("50")
        page.get_by_label("Minimum price").fill("1,00")
        page.get_by_role("button", name="Add rule").click()
        expect(page.locator("#price-rules")).to_contain_text("Every service")
        expect(page.locator("#price-rules")).to_contain_text("+50%, at least 1.00 USD")
        shots(page, artifacts, "price-rules", "price rules scroll")
        page.get_by_role("link", name="Edit").click()
        expect(page.get_by_role("heading", name="Change the rule")).to_be_visible()
        expect(page.get_by_label("Markup %")).to_have_value("50.00")
        page.screenshot(path=artifacts / "price-rule-edit-desktop.png", full_page=True)
        page.get_by_role("link", name="Cancel").click()
        expect(page.get_by_role("heading", name="Add a rule")).to_be_visible()

        # New order: the suggestion follows the quantity.
        followers = svc(shop, 3)  # 1.20 per 1000
        page.goto(f"{base}/orders/new/?service={followers.pk}")
        sale = page.locator("#id_sale_price")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/seller")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("2500")
        expect(page.locator("#estimate .estimate-value")).to_have_text("3.00")
        expect(sale).to_have_value("4.50")  # 3.00 + 50%
        hint = page.locator("#hint-sale_price")
        expect(hint).to_contain_text("Suggested 4.50 USD")
        expect(hint).to_contain_text("Cost 3.00 USD, +50%")
        expect(hint).to_contain_text("Profit at this price ≈ 1.50 USD")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("5000")
        expect(sale).to_have_value("9.00")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("2500")
        expect(sale).to_have_value("4.50")
        page.get_by_label("Customer").fill("Acme <Ltd>")
        shots(page, artifacts, "order-new-sale", "order form scrolls")

        # A price typed over the suggestion stays when the quantity changes.
        sale.fill("5,00")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("2000")
        expect(page.locator("#estimate .estimate-value")).to_have_text("2.40")
        expect(hint).to_contain_text("Suggested 3.60 USD")
        expect(hint).to_contain_text("Profit at this price ≈ 2.60 USD")
        expect(sale).to_have_value("5,00")

        order = place(page)
        assert (order.sale_price, order.customer_ref) == (5, "Acme <Ltd>")
        numbers = page.locator(".order-numbers")
        expect(numbers).to_contain_text("Sale price5.00 USD")
        expect(page.locator(".order-profit")).to_have_text("2.60 USD")  # against the estimate
        expect(numbers).to_contain_text("Profit estimated")
        expect(page.locator(".order-customer")).to_have_text("Acme <Ltd>")

        # The panel reports its charge: the profit is from it, no longer estimated.
        sim.advance(3600)
        orders_status_sync(panel=shop)
        order.refresh_from_db()
        assert order.charge is not None
        page.reload()
        expect(page.locator(".order-profit")).to_have_text(f"{5 - order.charge:.2f} USD")
        expect(numbers).not_to_contain_text("Profit estimated")
        page.screenshot(path=artifacts / "order-profit-desktop.png", full_page=True)

        page.goto(f"{base}/orders/")
        row = page.locator(f"#order-{order.pk}")
        expect(row.locator(".cell-profit")).to_contain_text(
            f"{5 - order.charge:.2f} USD profit on 5.00"
        )
        shots(page, artifacts, "order-list-profit", "order list scrolls")
    finally:
        page.close()
    assert Order.objects.count() == 1


def test_the_upload_preview_suggests_prices_and_totals_them_in_the_base_currency(
    browser: Browser, live_server, shop: Panel, tmp_path: Path, artifacts: Path, monkeypatch
) -> None:
    monkeypatch.setattr(create, "_enqueue_dispatch", lambda panel_id: None)  # no worker
    PriceRule.objects.create(markup_percent=Decimal("100"))
    rows = tmp_path / "orders.csv"
    rows.write_text(
        "panel;service;link;quantity;sale_price;customer\n"
        "Sim Shop;3;https://x.com/a;1000;2,50;Acme\n"  # cost 1.20
        "Sim Shop;3;https://x.com/b;2000;;\n"  # cost 2.40, suggested 4.80
        "Sim Shop;3;https://x.com/c;1000;1e9;\n"
    )
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, live_server.url, "/orders/upload/")
        expect(page.locator("#upload-sale-columns")).to_contain_text("sale_price")
        page.get_by_label("CSV file (UTF-8)").set_input_files(str(rows))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("2 of 3 rows can be queued")
        expect(page.locator("#upload-invalid")).to_contain_text("Sale price: “1e9” is not")
        money = page.locator("#upload-money")
        expect(money).to_contain_text(f"In USD, at the rates of {timezone.localdate():%Y-%m-%d}")
        expect(page.locator(".upload-money-cost")).to_have_text("3.60 USD")
        expect(page.locator(".upload-money-sale")).to_have_text("7.30 USD")
        expect(page.locator(".upload-money-profit")).to_have_text("3.70 USD")
        expect(page.locator("#upload-valid")).to_contain_text("4.80 suggested")
        shots(page, artifacts, "upload-preview-sale", "upload preview scrolls")
        page.get_by_role("button", name="Queue 2 orders").click()
        expect(page.locator(".messages")).to_contain_text("Queued 2 orders")
    finally:
        page.close()
    prices = dict(Order.objects.values_list("link", "sale_price"))
    assert prices == {"https://x.com/a": Decimal("2.5"), "https://x.com/b": Decimal("4.8")}


def test_a_converted_profit_and_a_charge_off_the_estimate_read_well(
    browser: Browser, live_server, shop: Panel, artifacts: Path
) -> None:
    day = timezone.localdate()
    ExchangeRate.objects.create(day=day, base="EUR", currency="USD", rate=Decimal("1.25"))
    euro = PanelFactory(name="Euro Panel", currency="EUR")
    order = OrderFactory(
        service=ServiceFactory(panel=euro, name="Instagram Comments", type="custom_comments"),
        order_type="custom_comments",
        quantity=None,
        params={"comments": "Nice\nCool\nWow"},
        state=Order.State.PLACED,
        status="completed",
        remote_id="9001",
        currency="EUR",
        estimated_cost=Decimal("0.075"),
        charge=Decimal("0.025"),  # three comments billed as one
        sale_price=Decimal("0.40"),
        customer_ref="Acme Ltd",
        placed_at=timezone.now(),
    )
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, live_server.url, f"/orders/{order.pk}/")
        expect(page.locator(".charge-off")).to_have_text("−0.05 EUR vs the estimate")
        expect(page.locator(".order-profit")).to_contain_text(
            f"0.36875 USD from EUR at the {day:%Y-%m-%d} rate"
        )
        page.screenshot(path=artifacts / "order-charge-off-desktop.png", full_page=True)
        page.goto(f"{live_server.url}/orders/?charge=yes")
        expect(page.locator(".order-row")).to_have_count(1)
        expect(page.get_by_label("Charge off the estimate")).to_be_checked()
        page.screenshot(path=artifacts / "order-list-charge-off-desktop.png", full_page=True)
    finally:
        page.close()
