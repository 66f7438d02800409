"""Uploads take an optional sale price and customer per row (CSV columns `sale_price` and
`customer`; mass text's fourth and fifth parts), read the way people type amounts; rows
without a price get the rule's suggestion; the preview totals cost, sale and profit in the
base currency with the rates' day; the orders carry both."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.urls import reverse
from django.utils import timezone

from currency.models import CurrencySettings, ExchangeRate
from orders.models import Order, PriceRule, Upload
from orders.services.uploads import upload_check, upload_submit
from orders.upload_totals import upload_money
from orders.uploads import parse_mass_text, upload_template_csv
from tests.factories import PanelFactory, ServiceFactory
from tests.orders.helpers import text as page_text

pytestmark = pytest.mark.django_db

make_service = partial(ServiceFactory, numbered_name=True, rate=Decimal("1.00"), max_quantity=10**5)
HEADER = "panel,service,link,quantity,sale_price,customer\n"


@pytest.fixture
def catalog(db):
    CurrencySettings.load()
    usd, eur = PanelFactory(name="Sim", currency="USD"), PanelFactory(name="Euro", currency="EUR")
    return {
        "usd": make_service(panel=usd, remote_id="1"),
        "eur": make_service(panel=eur, remote_id="1"),
    }


def check(user, text: str) -> Upload:
    return upload_check(kind="csv", data=text.encode(), filename="o.csv", user=user)


def errors(upload: Upload) -> dict[int, list[str]]:
    return {r["row"]: r["errors"] for r in upload.invalid_rows}


def test_prices_and_customers_as_people_type_them(catalog, user) -> None:
    upload = check(
        user,
        HEADER
        + 'Sim,1,https://x.com/a,1000,"12,50",Acme\n'
        + "Sim,1,https://x.com/b,1000,1 234.5,  Bob   Smith \n"
        + "Sim,1,https://x.com/c,1000,,\n",
    )
    prices = {r["row"]: (r["sale_price"], r["customer"]) for r in upload.valid_rows}
    assert prices == {2: ("12.50", "Acme"), 3: ("1234.5", "Bob Smith"), 4: ("", "")}


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("1e9", "Sale price: “1e9” is not an amount"),
        ("abc", "Sale price: “abc” is not an amount"),
        ("-4", "Sale price: An amount cannot be negative."),
        ("<b>9</b>", "Sale price: “<b>9</b>” is not an amount"),
        ("1,234", "Sale price: “1,234” is ambiguous"),
        ("NaN", "Sale price: “NaN” is not an amount"),
    ],
)
def test_a_wrong_price_refuses_its_row_with_the_reason(catalog, user, cell, reason) -> None:
    upload = check(
        user, HEADER + f'Sim,1,https://x.com/a,1000,"{cell}",\nSim,1,https://x.com/b,1000,2,\n'
    )
    assert upload.rows_valid == 1
    assert any(reason in message for message in errors(upload)[2])


def test_mass_text_takes_a_price_and_a_customer() -> None:
    parsed = parse_mass_text(
        "1 | https://x.com/a | 100 | 4,90 | Acme\n1|200|https://x.com/b|3\n1|https://x.com/c|5",
        max_rows=10,
    )
    cells = [
        {k: r.get(k, "") for k in ("link", "quantity", "sale_price", "customer")}
        for r in parsed.rows
    ]
    assert cells == [
        {"link": "https://x.com/a", "quantity": "100", "sale_price": "4,90", "customer": "Acme"},
        {"link": "https://x.com/b", "quantity": "200", "sale_price": "3", "customer": ""},
        {"link": "https://x.com/c", "quantity": "5", "sale_price": "", "customer": ""},
    ]
    six = parse_mass_text("1|https://x.com/a|100|1|c|extra", max_rows=10)
    assert six.rows[0]["__format__"] == "6"


def test_mass_text_upload_keeps_the_price(catalog, user) -> None:
    upload = upload_check(
        kind="mass",
        data="1 | https://x.com/a | 100 | 0,75 | Acme",
        panel=catalog["usd"].panel,
        user=user,
    )
    assert (upload.valid_rows[0]["sale_price"], upload.valid_rows[0]["customer"]) == (
        "0.75",
        "Acme",
    )


def test_the_templates_show_the_columns(catalog, logged_in) -> None:
    rows = list(csv.DictReader(io.StringIO(upload_template_csv())))
    assert (rows[0]["sale_price"], rows[0]["customer"]) == ("12.50", "Acme Ltd")
    filled = logged_in.get(reverse("orders:upload_template_filled"))
    rows = list(csv.DictReader(io.StringIO(filled.content.decode("utf-8-sig"))))
    assert rows[0]["sale_price"] == "12.50"
    page = page_text(logged_in.get(reverse("orders:upload")).content.decode())
    assert "Optional, yours only: sale_price" in page
    assert "| sale price | customer" in page


def test_rows_without_a_price_get_the_suggestion_and_the_totals_add_up(catalog, user, client):
    PriceRule.objects.create(markup_percent=Decimal("100"))
    today = timezone.localdate()
    ExchangeRate.objects.create(day=today - timedelta(days=1), base="EUR", currency="USD", rate=2)
    upload = check(
        user,
        HEADER
        + "Sim,1,https://x.com/a,1000,5,Acme\n"  # cost 1.00 USD, sold 5
        + "Sim,1,https://x.com/b,500,,\n"  # cost 0.50 USD, suggested 1.00
        + "Euro,1,https://x.com/c,1000,,\n",  # cost 1.00 EUR = 2.00 USD, suggested 4.00
    )
    suggested = {r["row"]: r.get("suggested_price") for r in upload.valid_rows}
    assert suggested == {2: None, 3: "1", 4: "4"}
    money = upload_money(upload)
    assert (money.base, money.cost, money.sale, money.profit) == (
        "USD",
        Decimal("3.50"),
        Decimal("10.00"),
        Decimal("6.50"),
    )
    assert (money.sold, money.suggested, money.profited) == (3, 2, 3)
    assert money.notes == (f"from EUR at the {today - timedelta(days=1):%Y-%m-%d} rate",)

    client.force_login(user)
    page = page_text(
        client.get(reverse("orders:upload_preview", args=[upload.pk])).content.decode()
    )
    assert f"In USD, at the rates of {today:%Y-%m-%d}" in page
    assert "Cost 3.50 USD Sale 10.00 USD 3 of 3 rows, 2 suggested Profit 6.50 USD" in page
    assert "1.00 suggested" in page

    upload_submit(upload=upload, user=user)
    orders = {o.upload_row: (o.sale_price, o.customer_ref) for o in Order.objects.all()}
    assert orders == {2: (Decimal("5"), "Acme"), 3: (Decimal("1"), ""), 4: (Decimal("4"), "")}


def test_a_missing_rate_leaves_rows_out_and_says_so(catalog, user) -> None:
    PriceRule.objects.create(markup_percent=Decimal("10"))
    upload = check(user, HEADER + "Euro,1,https://x.com/c,1000,3,\nSim,1,https://x.com/d,1000,,\n")
    row = {r["row"]: r for r in upload.valid_rows}
    assert row[3]["suggested_price"] == "1.1"
    money = upload_money(upload)
    assert (money.cost, money.costed, money.sale, money.profit, money.profited) == (
        Decimal("1.00"), 1, Decimal("4.1"), Decimal("0.1"), 1,
    )  # fmt: skip
    assert money.notes[0].startswith("No EUR → USD rate on")


@pytest.mark.parametrize("count", [10, 200])
def test_suggestions_are_a_fixed_number_of_queries(
    catalog, user, count, django_assert_max_num_queries
):
    PriceRule.objects.create(markup_percent=Decimal("10"))
    ExchangeRate.objects.create(day=timezone.localdate(), base="EUR", currency="USD", rate=2)
    rows = "".join(
        f"{'Sim' if i % 2 else 'Euro'},1,https://x.com/{i},100,,\n" for i in range(count)
    )
    # panels, services, active orders, rules, the base currency, the rates, the upload
    with django_assert_max_num_queries(7):
        upload = check(user, HEADER + rows)
    assert all(r.get("suggested_price") for r in upload.valid_rows)
