"""The order form's "Panel" choice: for an offer several panels sell, "the best panel" sends the
order where routing says, shows why as the user types, and keeps the reason on the order."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from currency.models import CurrencySettings
from orders.models import Order
from panels.models import Panel
from tests.factories import PanelFactory, ServiceFactory
from tests.orders.helpers import text

pytestmark = pytest.mark.django_db

NAME = "Instagram Likes [Fast]"  # one offer to the matcher, on every panel


@pytest.fixture
def offer():
    CurrencySettings.load()
    dear = ServiceFactory(panel=PanelFactory(name="Dear SMM", currency="USD"), name=NAME,
                          rate=Decimal("2.00"))  # fmt: skip
    cheap = ServiceFactory(panel=PanelFactory(name="Cheap SMM", currency="USD"), name=NAME,
                           rate=Decimal("0.50"))  # fmt: skip
    broke = ServiceFactory(panel=PanelFactory(name="Broke SMM", currency="USD",
                                              balance=Decimal("0.10")), name=NAME,
                           rate=Decimal("0.20"))  # fmt: skip
    assert dear.match_key
    assert dear.match_key == cheap.match_key == broke.match_key
    return {"dear": dear, "cheap": cheap, "broke": broke}


def reason(page: str) -> str:
    match = re.search(r'id="route-reason"[^>]*>(.*?)</p>', page, re.S)
    assert match, "no route reason on the page"
    return text(match.group(1))


def test_the_form_offers_the_best_panel_and_says_why(logged_in: Client, offer) -> None:
    page = logged_in.get(reverse("orders:new"), {"service": offer["dear"].pk}).content.decode()
    assert "The best of the 3 panels selling this offer" in text(page)
    data = {"service": str(offer["dear"].pk), "link": "https://x.test/a", "quantity": "2000",
            "route": "best"}  # fmt: skip
    page = logged_in.post(reverse("orders:estimate"), data, HTTP_HX_REQUEST="true").content
    assert reason(page.decode()).startswith(
        "Goes to Cheap SMM: 1.00 USD, cheapest of 2; Broke SMM skipped: balance 0.10 USD."
    )


def test_the_best_panel_takes_the_order_and_the_reason_stays_on_it(logged_in, offer) -> None:
    data = {"service": str(offer["dear"].pk), "link": "https://x.test/a", "quantity": "1000",
            "route": "best", "client_ref": str(uuid.uuid4())}  # fmt: skip
    response = logged_in.post(reverse("orders:new"), data)

    order = Order.objects.get()
    assert response.status_code == 302
    assert order.service == offer["cheap"]
    assert order.route["key"] == offer["dear"].match_key
    assert order.route["note"] == (
        "Cheap SMM: 0.50 USD, cheapest of 2; Broke SMM skipped: balance 0.10 USD"
    )
    page = text(logged_in.get(reverse("orders:detail", args=[order.pk])).content.decode())
    assert "Routed Cheap SMM: 0.50 USD, cheapest of 2" in page


def test_the_panel_as_picked_unless_asked(logged_in, offer) -> None:
    data = {"service": str(offer["dear"].pk), "link": "https://x.test/a", "quantity": "1000",
            "route": "", "client_ref": str(uuid.uuid4())}  # fmt: skip
    logged_in.post(reverse("orders:new"), data)
    order = Order.objects.get()
    assert (order.service, order.route) == (offer["dear"], {})


def test_no_choice_where_one_panel_sells_it(logged_in) -> None:
    CurrencySettings.load()
    alone = ServiceFactory(name=NAME)
    page = logged_in.get(reverse("orders:new"), {"service": alone.pk}).content.decode()
    assert 'id="route-fields"' not in page


def test_no_panel_can_take_it_says_why_and_places_nothing(logged_in, offer) -> None:
    data = {"service": str(offer["dear"].pk), "link": "https://x.test/a", "quantity": "1000",
            "route": "best", "client_ref": str(uuid.uuid4())}  # fmt: skip
    Panel.objects.update(health=Panel.Health.FAILING)
    page = text(logged_in.post(reverse("orders:new"), data).content.decode())
    assert not Order.objects.exists()
    assert (
        "No panel can take this order: Dear SMM skipped: panel failing; Cheap SMM skipped: "
        "panel failing; Broke SMM skipped: panel failing"
    ) in page
