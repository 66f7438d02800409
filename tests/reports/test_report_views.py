"""The reports page and its CSV: the period and grouping read from the query string (anything
wrong falls back quietly), the same figures in both, login required."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from currency.models import CurrencySettings
from orders.models import Order
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db
PAGE, CSV = reverse("reports:report"), reverse("reports:csv")


@pytest.fixture
def sold(settings) -> None:
    settings.TIME_ZONE = "UTC"
    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    service = ServiceFactory(panel=PanelFactory(name="Alpha", currency="USD"), name="Likes")
    for customer, charge, sale in (
        ("=HYPERLINK(1)", "2.00", "5.00"),
        ("<i>ann</i>", "1.00", "0.50"),
    ):
        OrderFactory(
            service=service,
            state=Order.State.PLACED,
            charge=Decimal(charge),
            sale_price=Decimal(sale),
            customer_ref=customer,
            created_at=datetime(2026, 11, 3, 10, tzinfo=UTC),
        )


def test_the_page_needs_a_login(client: Client) -> None:
    assert client.get(PAGE).status_code == 302
    assert client.get(CSV).status_code == 302


def test_the_page_shows_totals_rows_and_the_chart(logged_in: Client, sold) -> None:
    html = logged_in.get(PAGE, {"start": "2026-11-01", "end": "2026-11-30"}).content.decode()
    assert "1 Nov 2026 – 30 Nov 2026" in html
    assert "3.00 USD" in html  # spend
    assert "5.50 USD" in html  # sales
    assert "2.50 USD" in html  # profit
    assert "Tue 3 Nov 2026" in html
    assert 'class="series-1"' in html  # the sales bars


def test_by_customer_escapes_what_a_person_typed(logged_in: Client, sold) -> None:
    query = {"by": "customer", "start": "2026-11-01", "end": "2026-11-30"}
    html = logged_in.get(PAGE, query).content.decode()
    assert "<i>ann</i>" not in html
    assert html.index("=HYPERLINK(1)") < html.index("&lt;i&gt;ann&lt;/i&gt;")  # bigger spend first


def test_wrong_values_fall_back_to_the_month_by_day(logged_in: Client, sold) -> None:
    response = logged_in.get(PAGE, {"by": "planet", "start": "2026-02-31", "end": "2026-11-20"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 Nov 2026 – 20 Nov 2026" in html  # the start of the end's month
    assert "Tue 3 Nov 2026" in html  # by day


def test_the_csv_has_the_same_figures_and_no_formulas(logged_in: Client, sold) -> None:
    query = {"by": "customer", "start": "2026-11-01", "end": "2026-11-30"}
    response = logged_in.get(CSV, query)
    assert response["Content-Disposition"] == (
        'attachment; filename="report-by-customer-20261101-20261130.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["Customer", "Orders", "Spend (USD)", "Refunds (USD)", "Sales (USD)",
                           "Profit (USD)"]  # fmt: skip
    assert rows[1][:6] == ["'=HYPERLINK(1)", "1", "2.00", "0.00", "5.00", "3.00"]
    assert rows[2][:6] == ["<i>ann</i>", "1", "1.00", "0.00", "0.50", "-0.50"]
    assert rows[3][:6] == ["Total", "2", "3.00", "0.00", "5.50", "2.50"]
