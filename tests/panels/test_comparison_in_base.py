"""The service comparison reads offers in other currencies in the base currency, marked as
converted with the rate's day, compares them with this service there, says plainly when a
currency has no rate, and reads the rates in one query however many offers there are."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from currency.models import ExchangeRate
from panels.models import Service
from tests.factories import PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

make_panel = partial(PanelFactory, synced=True)
make_service = partial(ServiceFactory, category="Instagram Followers", min_quantity=100,
                       max_quantity=50_000)  # fmt: skip


def text(html: str) -> str:
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r" ([:,.)])", r"\1", words)


def offer(currency: str, rate: str, name: str = "") -> Service:
    panel = make_panel(name=name or f"{currency} Panel", currency=currency)
    return make_service(panel=panel, name=f"Instagram Followers [{currency}]", rate=Decimal(rate))


@pytest.fixture
def rate_day() -> object:
    """Yesterday's rates: the comparison reads today's prices at the newest rate."""
    day = timezone.localdate() - timedelta(days=1)
    ExchangeRate.objects.create(day=day, base="EUR", currency="USD", rate=Decimal("1.2"))
    ExchangeRate.objects.create(day=day, base="USD", currency="RUB", rate=Decimal("100"))
    return day


def test_offers_in_other_currencies_are_converted_marked_and_compared(
    logged_in: Client, rate_day
) -> None:
    mine = offer("USD", "0.90", "Dollar Panel")
    offer("EUR", "0.50")  # 0.60 USD
    offer("RUB", "50")  # 0.50 USD
    offer("INR", "40")  # no rate

    html = logged_in.get(reverse("catalog:service", args=[mine.pk])).content.decode()
    page = text(html)

    day = f"{rate_day:%Y-%m-%d}"
    assert f'title="Converted from 0.50 EUR at the {day} rate">0.60 USD</span>' in html
    assert f'title="Converted from 50.00 RUB at the {day} rate">0.50 USD</span>' in html
    assert html.count('<span class="tag tag-converted"') == 2
    eur = page.split("In EUR", 1)[1].split("In INR", 1)[0]
    assert f"Compared with this service in USD: these rates converted at the {day} rate." in eur
    assert "−0.30 USD" in eur  # 0.60 − 0.90
    rub = page.split("In RUB", 1)[1]
    assert "−0.40 USD" in rub
    inr = page.split("In INR", 1)[1].split("In RUB", 1)[0]
    assert "not converted" in inr
    assert "No INR → USD rate on" in html  # in the cell's tooltip
    assert "They are compared with this one in USD below." in page


def test_this_service_in_another_currency_is_compared_with_offers_in_the_base(
    logged_in: Client, rate_day
) -> None:
    mine = offer("EUR", "0.50", "Euro Panel")  # 0.60 USD
    offer("USD", "0.90")

    page = text(logged_in.get(reverse("catalog:service", args=[mine.pk])).content.decode())

    usd = page.split("In USD", 1)[1].split("Rate history", 1)[0]
    assert (
        "Compared with this service in USD; this service's rate is 0.60 USD "
        f"(Converted from 0.50 EUR at the {rate_day:%Y-%m-%d} rate)."
    ) in usd
    assert "+0.30 USD" in usd


def test_without_a_rate_nothing_is_compared_and_the_page_says_why(logged_in: Client) -> None:
    mine = offer("EUR", "0.50", "Euro Panel")
    offer("USD", "0.90")
    page = text(logged_in.get(reverse("catalog:service", args=[mine.pk])).content.decode())
    today = f"{timezone.localdate():%Y-%m-%d}"
    assert (
        f"Not compared with this service's EUR rate. No EUR → USD rate on {today} or the 7 "
        "days before."
    ) in page
    assert "converted" not in page.split("Same service on other panels", 1)[1].split("Rate")[0]


def test_the_rates_are_read_once_however_many_offers(
    logged_in: Client, rate_day, django_assert_max_num_queries
) -> None:
    mine = offer("USD", "0.90", "Dollar Panel")
    url = reverse("catalog:service", args=[mine.pk])

    def populate(n: int) -> None:
        for i in range(n):
            offer(("EUR", "RUB", "INR")[i % 3], f"{i + 1}", f"Panel {n}-{i}")

    populate(3)
    logged_in.get(url)
    with django_assert_max_num_queries(8) as few:  # 6 before, the base currency, the rates
        logged_in.get(url)
    populate(9)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = logged_in.get(url).content.decode()
    assert html.count('<span class="tag tag-converted"') == 8  # EUR and RUB offers, not INR


def test_the_catalog_browser_marks_rates_read_in_the_base_currency(
    logged_in: Client, rate_day, django_assert_max_num_queries
) -> None:
    offer("USD", "0.90", "Dollar Panel")
    offer("EUR", "0.50", "Euro Panel")
    offer("INR", "40", "Rupee Panel")
    logged_in.get(reverse("catalog:browse"))
    with django_assert_max_num_queries(9) as few:
        html = logged_in.get(reverse("catalog:browse")).content.decode()
    assert (
        f'<span class="rate-in-base" title="Converted from 0.50 EUR at the {rate_day:%Y-%m-%d} '
        'rate">0.60 USD <span class="tag tag-converted">converted</span></span>'
    ) in html
    assert html.count('class="rate-in-base"') == 1  # not the dollars, not the rupees (no rate)
    for n in range(6):
        offer(("EUR", "RUB", "INR")[n % 3], f"{n + 1}", f"Panel {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = logged_in.get(reverse("catalog:browse")).content.decode()
    assert html.count('class="rate-in-base"') == 5
