"""The money report: spend after refunds, sales and profit in the base currency, each order
at its own day's rate, in a fixed number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from currency.models import CurrencySettings, ExchangeRate
from orders.models import Order
from reports.selectors import (
    KEYS,
    _aggregate,
    _aggregate_in_python,
    _period_orders,
    money_report,
)
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

D1, D2, D3 = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def placed(service, day: date, **values) -> Order:
    values.setdefault("charge", Decimal("1.00"))
    return OrderFactory(service=service, state=Order.State.PLACED, created_at=at(day), **values)


@pytest.fixture
def shop(settings):
    settings.TIME_ZONE = "UTC"
    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    usd = ServiceFactory(panel=PanelFactory(name="Dollar SMM", currency="USD"), name="Likes")
    rub = ServiceFactory(panel=PanelFactory(name="Rouble SMM", currency="RUB"), name="Views")
    ExchangeRate.objects.create(day=D1, base="USD", currency="RUB", rate=Decimal("100"))
    return {"usd": usd, "rub": rub}


def test_spend_sales_and_profit_convert_at_each_orders_day(shop) -> None:
    placed(shop["usd"], D1, charge=Decimal("2.00"), sale_price=Decimal("3.50"), customer_ref="ann")
    # 50 RUB on D2 at D1's rate (the newest before it): 0.50 USD; half refunded: 0.25 USD
    placed(shop["rub"], D2, charge=Decimal("50"), refund=Decimal("25"), sale_price=Decimal("1"))
    placed(shop["rub"], D2, charge=None, estimated_cost=Decimal("10"))  # not reported yet
    OrderFactory(service=shop["usd"], state=Order.State.REJECTED, charge=Decimal("9"))

    report = money_report(by="day", first=D1, last=D3)

    assert report.base == "USD"
    assert [row.key for row in report.rows] == ["2026-12-01", "2026-12-02"]
    day1, day2 = (row.figures for row in report.rows)
    assert (day1.orders, day1.spend, day1.sales, day1.profit) == (
        1, Decimal("2.00"), Decimal("3.50"), Decimal("1.50"),
    )  # fmt: skip
    assert day2.orders == 2
    assert day2.spend == Decimal("0.35")  # 25 RUB + the 10 RUB estimate
    assert day2.refunds == Decimal("0.25")
    assert day2.profit == Decimal("0.75")  # 1 − 0.25: the order without a sale price adds none
    assert report.totals.spend == Decimal("2.35")
    assert report.totals.profit == Decimal("2.25")
    assert report.rate_days == (D1, D1)


def test_a_day_without_a_rate_is_left_out_and_named(shop, settings) -> None:
    settings.RATE_MAX_AGE_DAYS = 0
    placed(shop["rub"], D2, charge=Decimal("50"), sale_price=Decimal("2"))
    placed(shop["usd"], D2, charge=Decimal("1"), sale_price=Decimal("2"))
    report = money_report(by="panel", first=D1, last=D3)
    assert report.totals.unconverted == 1
    assert report.totals.spend == Decimal("1")
    assert report.totals.profit == Decimal("1")
    assert report.missing_rates == ["RUB: 2 days (2026-12-02 – 2026-12-03)"]
    by_panel = {row.label: row.figures for row in report.rows}
    assert by_panel["Rouble SMM"].unconverted == 1


def test_grouped_by_service_and_customer_with_labels(shop) -> None:
    placed(shop["usd"], D1, charge=Decimal("3"), customer_ref="ann")
    placed(shop["usd"], D1, charge=Decimal("1"), customer_ref="bob")
    placed(shop["rub"], D1, charge=Decimal("100"), customer_ref="ann")
    services = money_report(by="service", first=D1, last=D1)
    assert [(r.label, r.figures.spend) for r in services.rows] == [
        ("Likes · Dollar SMM", Decimal("4")),
        ("Views · Rouble SMM", Decimal("1")),
    ]
    customers = money_report(by="customer", first=D1, last=D1)
    assert [(r.label, r.figures.spend) for r in customers.rows] == [
        ("ann", Decimal("4")),
        ("bob", Decimal("1")),
    ]


def test_the_query_count_does_not_grow_with_orders(shop) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            money_report(by="service", first=D1, last=D3)
        return len(captured)

    placed(shop["usd"], D1)
    few = queries()
    for day in (D1, D2, D3):
        for _ in range(5):
            placed(shop["rub"], day, customer_ref="c")
            placed(ServiceFactory(panel=shop["usd"].panel), day)
    assert queries() == few


@hsettings(max_examples=25, deadline=None)
@given(
    amounts=st.lists(
        st.tuples(
            st.decimals(min_value=0, max_value=10**6, places=4),  # charge
            st.decimals(min_value=0, max_value=1, places=2),  # share refunded
            st.decimals(min_value=0, max_value=10**6, places=4),  # sale
        ),
        min_size=1,
        max_size=6,
    )
)
def test_profit_is_exactly_sales_minus_charges_plus_refunds(amounts) -> None:
    Order.objects.all().delete()
    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    service = ServiceFactory(panel=PanelFactory(currency="USD"))
    for charge, share, sale in amounts:
        placed(service, D1, charge=charge, refund=charge * share, sale_price=sale)
    report = money_report(by="day", first=D1, last=D1)
    expected = sum((sale - charge + charge * share for charge, share, sale in amounts), Decimal(0))
    assert report.totals.profit == expected


def test_the_overview_shows_todays_and_this_months_profit(logged_in, shop) -> None:
    from django.urls import reverse
    from django.utils import timezone

    today = timezone.localdate()
    placed(shop["usd"], today, charge=Decimal("1.00"), sale_price=Decimal("1.75"))
    if today.day > 1:  # earlier this month: in the month's figure, not today's
        placed(shop["usd"], today.replace(day=1), charge=Decimal("1"), sale_price=Decimal("3"))
    month = Decimal("0.75") + (Decimal("2") if today.day > 1 else 0)
    html = logged_in.get(reverse("overview")).content.decode()
    profit = html[html.index('id="overview-profit"') :]
    assert "Profit today <strong>0.75 USD</strong>" in profit
    assert f"this month <strong>{month:.2f} USD</strong>" in profit


def test_no_profit_when_no_sold_order_could_be_converted(shop, settings) -> None:
    settings.RATE_MAX_AGE_DAYS = 0
    placed(shop["rub"], D2, charge=Decimal("50"), sale_price=Decimal("2"))  # no rate on D2
    report = money_report(by="day", first=D2, last=D2)
    assert report.totals.with_sale == 1
    assert report.totals.unconverted == 1
    assert report.totals.profit is None  # "—", never a made-up 0.00
    assert report.rows[0].figures.profit is None


# The shop's panels are shared on purpose: each example deletes the orders it made before.
@hsettings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    orders=st.lists(
        st.tuples(
            st.sampled_from(["usd", "rub"]),
            st.sampled_from([D1, D2, D3]),
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10**6, places=4)),  # charge
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10, places=6)),  # refund
            st.one_of(st.none(), st.decimals(min_value=0, max_value=10**6, places=4)),  # sale
        ),
        min_size=1,
        max_size=6,
    ),
    by=st.sampled_from(list(KEYS)),
)
def test_sqlites_sums_in_python_equal_the_databases_sums(shop, orders, by) -> None:
    """The laptop's SQLite path (reports.selectors._aggregate_in_python) against the SQL that
    PostgreSQL runs exactly: the same rows, to the last digit."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database that sums decimals exactly to compare with")
    Order.objects.all().delete()
    for service, day, charge, refund, sale in orders:
        placed(shop[service], day, charge=charge, refund=refund, sale_price=sale,
               estimated_cost=Decimal("0.5"), customer_ref=str(day.day))  # fmt: skip
    rates = {("RUB", D1): Decimal("0.01"), ("RUB", D2): Decimal("0.0125")}  # none on D3

    def rows(aggregate) -> list[tuple]:
        found = aggregate(_period_orders(D1, D3), KEYS[by], rates, "USD")
        return sorted((str(row[0]), *row[1:]) for row in found)

    assert rows(_aggregate_in_python) == rows(_aggregate)
