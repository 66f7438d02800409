"""Profit and the charge check where people read them: a column of the order list (with
no query per row), the order page (with the rate's day), and the list's "charge off the
estimate" filter."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from currency.models import CurrencySettings, ExchangeRate
from orders.models import Order
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.orders.helpers import text

pytestmark = pytest.mark.django_db

LIST = reverse("orders:list")
NOON = datetime(2026, 12, 4, 12, tzinfo=UTC)
_ids = count(1)


def placed(panel, **fields) -> Order:
    fields.setdefault("state", Order.State.PLACED)
    fields.setdefault("status", "completed")
    fields.setdefault("created_at", NOON)
    return OrderFactory(
        service=ServiceFactory(panel=panel),
        currency=panel.currency,
        remote_id=str(next(_ids)),
        **fields,
    )


def test_the_order_page_shows_profit_with_the_rate_it_used(logged_in: Client) -> None:
    ExchangeRate.objects.create(day=date(2026, 12, 3), base="EUR", currency="USD", rate=2)
    order = placed(
        PanelFactory(currency="EUR"),
        charge=Decimal("1.00"),
        estimated_cost=Decimal("1.00"),
        refund=Decimal("0.25"),
        sale_price=Decimal("4.00"),
        customer_ref="Acme <script>",
        status="partial",
    )
    page = logged_in.get(reverse("orders:detail", args=[order.pk])).content.decode()
    words = text(page)
    assert "Refund owed 0.25 EUR" in words
    assert "Sale price 4.00 USD" in words
    # 4.00 − (1.00 − 0.25) EUR × 2 USD per EUR
    assert "Profit 2.50 USD from EUR at the 2026-12-03 rate" in words
    assert "Customer Acme <script>" in words
    assert "Acme &lt;script&gt;" in page


def test_an_estimated_profit_is_marked_and_a_missing_rate_is_said(logged_in: Client) -> None:
    usd = placed(
        PanelFactory(currency="USD"),
        state=Order.State.QUEUED,
        status="",
        estimated_cost=Decimal("1.50"),
        sale_price=Decimal("2"),
    )
    words = text(logged_in.get(reverse("orders:detail", args=[usd.pk])).content.decode())
    assert "Profit estimated 0.50 USD" in words
    rub = placed(PanelFactory(currency="RUB"), charge=Decimal("50"), sale_price=Decimal("2"))
    words = text(logged_in.get(reverse("orders:detail", args=[rub.pk])).content.decode())
    assert "Profit No RUB → USD rate on 2026-12-04" in words


def test_a_charge_off_the_estimate_is_flagged_and_found(logged_in: Client) -> None:
    panel = PanelFactory(currency="USD")
    # The real case: three comments sent one per line, billed as one.
    off = placed(
        panel,
        order_type="custom_comments",
        quantity=None,
        params={"comments": "a\nb\nc"},
        estimated_cost=Decimal("0.075"),
        charge=Decimal("0.025"),
    )
    fine = placed(panel, estimated_cost=Decimal("1.50"), charge=Decimal("1.50"))
    words = text(logged_in.get(reverse("orders:detail", args=[off.pk])).content.decode())
    assert "Charged 0.025 USD −0.05 USD vs the estimate" in words
    page = logged_in.get(LIST, {"charge": "yes"}).content.decode()
    assert f'value="{off.pk}"' in page
    assert f'value="{fine.pk}"' not in page
    assert "1 order found" in text(page)
    assert "−0.05 vs estimate" in text(page)


def test_the_list_shows_profit_without_a_query_per_row(
    logged_in: Client, django_assert_num_queries
) -> None:
    CurrencySettings.load()
    panels = [PanelFactory(currency=code) for code in ("USD", "EUR", "RUB")]
    for offset in range(20):
        day = date(2026, 12, 4) - timedelta(days=offset)
        ExchangeRate.objects.create(day=day, base="USD", currency="EUR", rate=Decimal("0.5"))
        ExchangeRate.objects.create(day=day, base="USD", currency="RUB", rate=Decimal("100"))

    def populate(n: int) -> None:
        for i in range(n):
            placed(
                panels[i % 3],
                charge=Decimal("1"),
                sale_price=Decimal("10"),
                created_at=NOON - timedelta(days=i % 15),
            )

    populate(3)
    logged_in.get(LIST)  # warm up (the session, the content types)
    with CaptureQueriesContext(connection) as few:
        page = logged_in.get(LIST).content.decode()
    assert "≈" not in text(page)
    populate(45)
    with django_assert_num_queries(len(few.captured_queries)):
        page = logged_in.get(LIST).content.decode()
    words = text(page)
    assert "9.00 USD profit on 10.00" in words  # the USD orders
    assert "8.00 USD profit on 10.00" in words  # 1 EUR = 2 USD
    assert "9.99 USD profit on 10.00" in words  # 1 RUB = 0.01 USD


def test_no_sale_price_shows_no_profit(logged_in: Client) -> None:
    order = placed(PanelFactory(currency="USD"), charge=Decimal("1"))
    page = logged_in.get(LIST).content.decode()
    row = page[page.index(f'id="order-{order.pk}"') :]
    row = row[: row.index("</tr>")]
    assert 'title="No sale price"' in row


def test_the_export_has_the_sale_and_the_customer(logged_in: Client) -> None:
    order = placed(
        PanelFactory(currency="USD"),
        charge=Decimal("1.5"),
        refund=Decimal("0.5"),
        sale_price=Decimal("4.25"),
        customer_ref="=HYPERLINK(1)",
    )
    response = logged_in.get(reverse("orders:export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(body)))
    assert int(row["Order"]) == order.pk
    assert (row["Refund owed"], row["Sale price (base currency)"]) == ("0.50", "4.25")
    assert row["Customer"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet


def test_placing_again_keeps_the_customer(logged_in: Client) -> None:
    order = placed(PanelFactory(currency="USD"), customer_ref="Acme", sale_price=Decimal("3"))
    page = logged_in.get(reverse("orders:new"), {"from": order.pk}).content.decode()
    assert 'name="customer" value="Acme"' in page
    assert 'id="id_sale_price" value=""' in page  # suggested anew, not copied
