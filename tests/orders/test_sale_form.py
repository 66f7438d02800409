"""The order form's sale block: the sale price is prefilled with the rule's suggestion and
follows the estimate until the person writes their own; the customer; both stored on the
order, never sent to the panel."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from currency.models import CurrencySettings
from orders.models import Order, PriceRule
from tests.factories import PanelFactory, ServiceFactory
from tests.orders.helpers import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    CurrencySettings.load()
    return ServiceFactory(panel=PanelFactory(currency="USD"), rate=Decimal("2.00"))


@pytest.fixture
def markup() -> PriceRule:
    return PriceRule.objects.create(markup_percent=Decimal("50"))


def estimate(client: Client, service, **values: str) -> str:
    data = {"service": str(service.pk), "link": "https://x.test/a", **values}
    response = client.post(reverse("orders:estimate"), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    return response.content.decode()


def box_value(page: str) -> str | None:
    """The sale price box swapped in out of band, if it is: the value it holds."""
    match = re.search(r'id="sale-price-box" hx-swap-oob="true">\s*<input[^>]*value="([^"]*)"', page)
    return match.group(1) if match else None


def hint(page: str) -> str:
    match = re.search(r'id="hint-sale_price"[^>]*>(.*?)</p>', page, re.S)
    assert match
    return text(match.group(1))


def test_the_suggestion_fills_the_box_and_follows_the_quantity(logged_in, service, markup):
    page = estimate(logged_in, service, quantity="1000", sale_price="", sale_suggested="")
    assert box_value(page) == "3.00"  # 2.00 + 50%
    assert "Suggested 3.00 USD Cost 2.00 USD, +50%." in hint(page)
    assert "Profit at this price ≈ 1.00 USD" in hint(page)
    # Still the suggestion in the box: a new quantity brings a new one.
    page = estimate(logged_in, service, quantity="2000", sale_price="3.00", sale_suggested="3.00")
    assert box_value(page) == "6.00"


def test_a_price_the_person_typed_is_kept(logged_in, service, markup):
    page = estimate(logged_in, service, quantity="2000", sale_price="5,5", sale_suggested="3.00")
    assert box_value(page) is None  # never swapped while it holds what they typed
    assert "Suggested 6.00 USD" in hint(page)
    assert "Profit at this price ≈ 1.50 USD" in hint(page)
    page = estimate(logged_in, service, quantity="2000", sale_price="abc", sale_suggested="3.00")
    assert box_value(page) is None
    assert "“abc” is not an amount" in hint(page)


def test_without_a_rule_or_a_rate_it_says_why(logged_in, service):
    page = estimate(logged_in, service, quantity="1000")
    assert box_value(page) is None
    assert "No price rule applies to this service." in hint(page)
    euro = ServiceFactory(panel=PanelFactory(currency="EUR"))
    PriceRule.objects.create(markup_percent=Decimal("10"))
    page = estimate(logged_in, euro, quantity="1000")
    assert "No suggestion: No EUR → USD rate on" in hint(page)


def test_the_page_opens_with_the_block(logged_in, service, markup):
    page = logged_in.get(reverse("orders:new"), {"service": service.pk}).content.decode()
    assert 'name="sale_price"' in page
    assert 'name="customer"' in page
    assert "The cost is not known yet." in text(page)


def place(client: Client, service, **values: str):
    data = {
        "service": str(service.pk),
        "client_ref": str(uuid.uuid4()),
        "link": "https://x.test/p",
        "quantity": "1000",
        **values,
    }
    return client.post(reverse("orders:new"), data)


def test_the_sale_price_and_customer_are_stored(
    logged_in, service, markup, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = place(logged_in, service, sale_price="1 234,50", customer="  Acme   Ltd ")
    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.sale_price, order.customer_ref) == (Decimal("1234.50"), "Acme Ltd")
    assert "sale_price" not in order.params
    assert "customer" not in order.params


def test_no_sale_price_is_none(logged_in, service, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        place(logged_in, service)
    assert Order.objects.get().sale_price is None


@pytest.mark.parametrize(
    ("sale_price", "customer", "message"),
    [
        ("1e9", "", "“1e9” is not an amount"),
        ("-3", "", "An amount cannot be negative."),
        ("<script>", "", "“&lt;script&gt;” is not an amount"),
        ("", "x" * 201, "at most 200 characters"),
    ],
)
def test_a_wrong_sale_price_or_customer_places_nothing(
    logged_in, service, sale_price, customer, message
):
    response = place(logged_in, service, sale_price=sale_price, customer=customer)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "<script>" not in response.content.decode().split("</head>")[1].replace(
        "<script src", ""
    )
    assert not Order.objects.exists()
