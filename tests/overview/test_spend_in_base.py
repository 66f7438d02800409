"""The overview's spend in the base currency: each day at that day's rate, the rates' days
said, a currency without a rate shown in its own currency with the reason (never dropped, never
added to the total), and a fixed number of queries however many currencies and days."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from currency.conversion import Converter
from currency.models import ExchangeRate
from orders.models import Order
from overview.in_base import daily_in_base, spend_in_base
from overview.selectors import DailySpend, Spend
from panels.models import Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

make_order = partial(OrderFactory, link="https://instagram.com/someone")

THU, FRI = date(2026, 12, 3), date(2026, 12, 4)


def rate(day: date, base: str, currency: str, value: str) -> None:
    ExchangeRate.objects.create(day=day, base=base, currency=currency, rate=Decimal(value))


def test_each_day_is_converted_at_its_own_rate_and_the_rest_is_said() -> None:
    rate(THU, "EUR", "USD", "1.05")  # as the ECB publishes: 1 EUR = 1.05 USD
    rate(FRI, "EUR", "USD", "1.10")
    spend = [
        Spend("EUR", Decimal("10"), Decimal("15"), 3, {THU: (Decimal(0), Decimal("5")),
                                                       FRI: (Decimal("10"), Decimal("10"))}),
        Spend("RUB", Decimal("100"), Decimal("100"), 1, {FRI: (Decimal("100"), Decimal("100"))}),
        Spend("USD", Decimal("1"), Decimal("3"), 2, {FRI: (Decimal("1"), Decimal("3"))}),
    ]  # fmt: skip
    converter = Converter(base="USD")
    with CaptureQueriesContext(connection) as queries:
        converter.prime(["EUR", "RUB", "USD"], THU, FRI)
        result = spend_in_base(spend, converter)
    assert len(queries) == 1

    assert result.base == "USD"
    assert [row.spend.currency for row in result.rows] == ["USD", "EUR", "RUB"]  # base first
    usd, eur, rub = result.rows
    assert (usd.base_24h, usd.base_7d, usd.converted) == (Decimal("1"), Decimal("3"), False)
    assert eur.base_7d == Decimal("16.25")  # 5 × 1.05 + 10 × 1.10
    assert eur.base_24h == Decimal("11.00")
    assert eur.rate_days == (THU, FRI)
    assert (rub.base_24h, rub.base_7d) == (None, None)
    assert rub.problem == "No RUB → USD rate on 2026-12-04 or the 7 days before."
    assert result.left_out == [rub]
    assert (result.total_24h, result.total_7d) == (Decimal("12.00"), Decimal("19.25"))
    assert result.rates_note == "at the rates of 2026-12-03 to 2026-12-04"
    assert all(isinstance(v, Decimal) for v in (result.total_24h, result.total_7d))


def test_the_chart_data_is_converted_per_panel_and_day_or_keeps_its_currency() -> None:
    rate(FRI, "USD", "RUB", "100")  # entered by hand against the base: 1 USD = 100 RUB
    daily = [
        DailySpend(FRI, 1, "RUB", Decimal("250")),
        DailySpend(FRI, 2, "USD", Decimal("1.5")),
        DailySpend(FRI, 3, "INR", Decimal("80")),
    ]
    rub, usd, inr = daily_in_base(daily, Converter(base="USD"))
    assert (rub.currency, rub.amount, rub.rate_day, rub.billed) == (
        "USD", Decimal("2.5"), FRI, "250.00 RUB",
    )  # fmt: skip
    assert usd == daily[1]
    assert (inr.currency, inr.amount, inr.rate_day) == ("INR", Decimal("80"), None)
    assert inr.problem == "No INR → USD rate on 2026-12-04 or the 7 days before."


# ---- The page ---------------------------------------------------------------------------


def _days_ago(days: int) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() - timedelta(days=days), time(12))
    )


def _placed(service: Service, amount: str, days: int) -> None:
    order = make_order(service=service, state=Order.State.PLACED, charge=Decimal(amount))
    Order.objects.filter(pk=order.pk).update(created_at=_days_ago(days))


def test_the_overview_shows_spend_in_the_base_currency_with_the_rates_day(
    logged_in: Client,
) -> None:
    today = timezone.localdate()
    usd = ServiceFactory(panel=PanelFactory(name="Dollar Panel", currency="USD"))
    eur = ServiceFactory(panel=PanelFactory(name="Euro Panel", currency="EUR"))
    rub = ServiceFactory(panel=PanelFactory(name="Ruble Panel", currency="RUB"))
    rate(today - timedelta(days=1), "EUR", "USD", "1.2")
    _placed(usd, "1.50", 0)
    _placed(eur, "10", 0)  # today: no rate of today, the day before's is used
    _placed(rub, "500", 0)  # no rate at all

    html = logged_in.get(reverse("overview")).content.decode()

    rate_day = f"{today - timedelta(days=1):%Y-%m-%d}"
    assert '<th scope="row">In all, USD</th>' in html
    assert '<td class="num">13.50</td>' in html  # 1.50 + 10 × 1.2, RUB not in it
    assert f"EUR converted to USD at the {rate_day} rate: 12.00 USD in 7 days." in html
    assert "<strong>Not in the USD total:</strong> 500.00 RUB. No RUB → USD rate on" in html
    # The chart: dollars and converted euros share the USD chart, rubles keep their own.
    assert html.count('<svg class="spend-chart-svg"') == 2
    assert "EUR per day" not in html
    assert html.index("USD per day") < html.index("RUB per day")
    assert f"Other currencies converted at the {rate_day} rate" in html
    assert "Not converted to USD: No RUB → USD rate on" in html
    assert ": 12.00 USD (billed 10.00 EUR)</title>" in html
    assert "<strong>13.50</strong>" in html


def test_without_other_currencies_no_total_row_is_added(logged_in: Client) -> None:
    _placed(ServiceFactory(panel=PanelFactory(currency="USD")), "2", 0)
    html = logged_in.get(reverse("overview")).content.decode()
    assert "In all, USD" not in html
    assert "converted" not in html


def test_the_overview_reads_rates_once_however_many_currencies_and_days(
    logged_in: Client, django_assert_num_queries
) -> None:
    today = timezone.localdate()

    def populate(panels: int) -> None:
        for n in range(panels):
            currency = ("USD", "EUR", "GBP", "RUB")[n % 4]
            service = ServiceFactory(panel=PanelFactory(currency=currency))
            for day in range(0, 30, 2):
                _placed(service, "1.5", day)

    for day in range(0, 40):
        rate(today - timedelta(days=day), "EUR", "USD", "1.1")
        rate(today - timedelta(days=day), "EUR", "GBP", "0.85")
    populate(2)
    logged_in.get(reverse("overview"))
    # session, user, order counts, panels, spend (per day, the last 24 hours and 7 days in one),
    # base currency, the rates, balance intervals that do not add up, alert messages that could
    # not be sent, and the month's profit (its rates, its sums, and on PostgreSQL whether the
    # report totals can be read)
    with django_assert_num_queries(11 + (connection.vendor == "postgresql")) as few:
        logged_in.get(reverse("overview"))
    populate(8)
    with django_assert_num_queries(len(few.captured_queries)):
        html = logged_in.get(reverse("overview")).content.decode()
    assert "Not in the USD total:" in html  # the rubles
    assert "GBP converted to USD at the rates of" in html
