"""Profit = sale price − (charge − refund), the cost converted to the base currency at the rate
of the order's day; the estimate before a charge (marked); no sale price, no profit."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from currency.conversion import Converter
from currency.models import CurrencySettings, ExchangeRate
from orders.models import Order
from orders.profit import order_profit, order_profits
from reports.selectors import money_report
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 4)
NOON = datetime(2026, 12, 4, 12, tzinfo=UTC)


def placed(currency: str = "USD", **fields) -> Order:
    service = ServiceFactory(panel=PanelFactory(currency=currency))
    fields.setdefault("state", Order.State.PLACED)
    fields.setdefault("created_at", NOON)
    fields.setdefault("placed_at", NOON)
    return OrderFactory(service=service, currency=currency, **fields)


def test_profit_after_a_refund() -> None:
    order = placed(
        sale_price=Decimal("5.00"), charge=Decimal("2.00"), refund=Decimal("0.50"), status="partial"
    )
    profit = order_profit(order, Converter(base="USD"))
    assert (profit.amount, profit.cost, profit.estimated) == (
        Decimal("3.50"),
        Decimal("1.50"),
        False,
    )


def test_the_estimate_stands_in_until_the_panel_reports_a_charge() -> None:
    order = placed(sale_price=Decimal("5"), estimated_cost=Decimal("1.25"), state="queued")
    profit = order_profit(order, Converter(base="USD"))
    assert (profit.amount, profit.estimated) == (Decimal("3.75"), True)


def test_the_cost_is_converted_at_the_rate_of_the_orders_day() -> None:
    ExchangeRate.objects.create(day=DAY - timedelta(days=2), base="EUR", currency="USD", rate=2)
    ExchangeRate.objects.create(day=DAY + timedelta(days=1), base="EUR", currency="USD", rate=9)
    order = placed("EUR", sale_price=Decimal("10"), charge=Decimal("3"), refund=Decimal("1"))
    profit = order_profit(order, Converter(base="USD"))
    # (3 − 1) EUR at 2 USD per EUR, two days before (the later rate is not used)
    assert (profit.amount, profit.cost, profit.rate_day) == (
        Decimal("6"),
        Decimal("4"),
        DAY - timedelta(days=2),
    )
    assert profit.note == "from EUR at the 2026-12-02 rate"


def test_no_sale_price_is_no_profit_not_zero() -> None:
    order = placed(charge=Decimal("1"))
    assert order_profit(order, Converter(base="USD")).amount is None


def test_a_missing_rate_is_no_profit_and_says_which() -> None:
    order = placed("RUB", sale_price=Decimal("1"), charge=Decimal("50"))
    profit = order_profit(order, Converter(base="USD"))
    assert profit.amount is None
    assert profit.note.startswith("No RUB → USD rate on 2026-12-04")


def test_an_order_never_placed_has_no_profit() -> None:
    order = placed(sale_price=Decimal("1"), estimated_cost=Decimal("0.5"), state="rejected")
    profit = order_profit(order, Converter(base="USD"))
    assert (profit.amount, profit.note) == (None, "Never placed: nothing was bought.")


def test_a_page_of_orders_reads_its_rates_at_once(django_assert_num_queries) -> None:
    for offset in range(3):
        day = DAY - timedelta(days=offset * 3)
        ExchangeRate.objects.create(day=day, base="USD", currency="EUR", rate=Decimal("0.5"))
        ExchangeRate.objects.create(day=day, base="USD", currency="RUB", rate=Decimal("100"))
    orders = [
        placed(
            currency,
            sale_price=Decimal("10"),
            charge=Decimal("1"),
            created_at=NOON - timedelta(days=n),
        )
        for n in range(7)
        for currency in ("EUR", "RUB", "USD")
    ]
    orders = list(Order.objects.filter(pk__in=[o.pk for o in orders]).select_related("panel"))
    CurrencySettings.load()  # the settings row exists (made on first use)
    with django_assert_num_queries(2):  # the base currency, then every rate in one query
        profits = order_profits(orders, Converter())
    # The same answers as one-by-one conversion.
    one_by_one = Converter(base="USD")
    for order in orders:
        assert profits[order.pk] == order_profit(order, one_by_one)
    assert {p.amount for p in profits.values()} == {Decimal("8"), Decimal("9.99"), Decimal("9")}


def test_the_preloaded_converter_answers_as_the_converter_does() -> None:
    # Across a third currency: EUR → USD and EUR → RUB published the same day.
    ExchangeRate.objects.create(day=DAY, base="EUR", currency="USD", rate=Decimal("1.25"))
    ExchangeRate.objects.create(day=DAY, base="EUR", currency="RUB", rate=Decimal("100"))
    ExchangeRate.objects.create(day=DAY - timedelta(days=20), base="USD", currency="GBP", rate=1)
    preloaded = Converter(base="USD").preload(
        [("RUB", DAY), ("GBP", DAY), ("USD", DAY), ("RUB", DAY + timedelta(days=30))]
    )
    plain = Converter(base="USD")
    for currency, day in (("RUB", DAY), ("GBP", DAY), ("RUB", DAY + timedelta(days=30))):
        assert preloaded.to_base(Decimal("80"), currency, day) == plain.to_base(
            Decimal("80"), currency, day
        )
    assert preloaded.to_base(Decimal("80"), "RUB", DAY).amount == Decimal("1")


money = st.decimals(min_value=0, max_value=Decimal("99999999999"), places=12)


class ProfitIsExact(HypothesisTestCase):
    @settings(max_examples=60, deadline=None)
    @given(sale=money, charge=money, refund=money)
    def test_any_amounts_give_exactly_sale_minus_charge_plus_refund(self, sale, charge, refund):
        order = Order(
            state=Order.State.PLACED,
            currency="USD",
            sale_price=sale,
            charge=charge,
            refund=refund,
            created_at=NOON,
        )
        profit = order_profit(order, Converter(base="USD"))
        assert profit.amount == sale - charge + refund


def test_a_pair_not_preloaded_is_still_read() -> None:
    ExchangeRate.objects.create(day=DAY, base="USD", currency="EUR", rate=Decimal("0.5"))
    converter = Converter(base="USD").preload([("USD", DAY)])
    assert converter.to_base(Decimal("1"), "EUR", DAY).amount == Decimal("2")


@pytest.mark.parametrize(
    ("currency", "charge", "estimate", "refund"),
    [
        ("USD", "2.00", "1.50", "0.25"),
        ("EUR", "3", "3", "1"),
        ("EUR", None, "1.20", None),  # estimated
        ("RUB", "150", "150", "40.5"),
    ],
)
def test_an_orders_profit_is_what_the_report_sums(currency, charge, estimate, refund) -> None:
    ExchangeRate.objects.create(day=DAY - timedelta(days=1), base="USD", currency="EUR", rate=2)
    ExchangeRate.objects.create(day=DAY, base="EUR", currency="RUB", rate=Decimal("90"))
    ExchangeRate.objects.create(day=DAY, base="EUR", currency="USD", rate=Decimal("0.5"))
    order = placed(
        currency,
        sale_price=Decimal("7.77"),
        charge=Decimal(charge) if charge else None,
        estimated_cost=Decimal(estimate),
        refund=Decimal(refund) if refund else None,
    )
    report = money_report(by="day", first=DAY, last=DAY)
    profit = order_profit(order, Converter(base="USD")).amount
    assert profit is not None
    assert report.totals.profit is not None
    # A rate across a third currency (RUB through EUR) is a quotient without end: PostgreSQL
    # multiplies it with more digits than Python's 28, so the two agree to the 12 places
    # money is stored with, and exactly wherever the rate ends.
    places = Decimal("1e-12")
    assert report.totals.profit.quantize(places) == profit.quantize(places)
