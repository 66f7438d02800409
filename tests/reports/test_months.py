"""Closed months converted ahead (reports/months.py): a report by service or customer reads a
month's figures only while they are what its days give now. Over any mix of edits, folds,
month builds, new rates and another base currency, every report equals the same report summed
from the orders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from currency.models import CurrencySettings, ExchangeRate
from orders.models import Order
from reports import months
from reports.models import CustomerMonth, MonthStamp, ServiceMonth, TotalsChange
from reports.selectors import money_report
from reports.services import totals_fold, totals_keep, totals_rebuild
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.reports.compare import figures

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 5)  # October and November are closed, December is not
FIRST_DAY = date(2026, 10, 1)
LAST_DAY = date(2026, 12, 4)
PLACED = Order.State.PLACED
# Periods: whole months, months with ragged ends, one month, no whole month.
PERIODS = [
    (date(2026, 10, 1), date(2026, 11, 30)),
    (date(2026, 10, 3), date(2026, 12, 2)),
    (date(2026, 11, 1), date(2026, 11, 30)),
    (date(2026, 11, 5), date(2026, 11, 20)),
]


@pytest.fixture(autouse=True)
def postgres_totals(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the totals are kept by a PostgreSQL trigger; SQLite reads the orders")
    settings.TIME_ZONE = "UTC"
    totals_rebuild()


@pytest.fixture
def shop():
    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    services = [
        ServiceFactory(panel=PanelFactory(name=f"{cur} panel", currency=cur))
        for cur in ("USD", "EUR", "RUB")
    ]
    # EUR has a rate every day; RUB only from 15 October: the days before are unconverted.
    day = FIRST_DAY
    while day <= LAST_DAY:
        ExchangeRate.objects.create(day=day, base="USD", currency="EUR", rate=Decimal("0.92"))
        if day >= date(2026, 10, 15):
            ExchangeRate.objects.create(day=day, base="USD", currency="RUB", rate=Decimal("98.5"))
        day += timedelta(days=1)
    return services


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def assert_reports_match() -> None:
    for first, last in PERIODS:
        for by in ("service", "customer"):
            from_totals = figures(by, first, last, from_totals=True)
            assert from_totals == figures(by, first, last, from_totals=False), (by, first, last)


def some_orders(shop) -> list[Order]:
    orders = []
    for n, day in enumerate([date(2026, 10, 2), date(2026, 10, 20), date(2026, 11, 3),
                             date(2026, 11, 29), date(2026, 12, 1)] * 2):  # fmt: skip
        orders.append(
            OrderFactory(
                service=shop[n % 3],
                state=PLACED,
                charge=Decimal(f"{n + 1}.25"),
                refund=Decimal("0.5") if n % 4 == 0 else None,
                sale_price=Decimal(f"{n + 4}") if n % 2 else None,
                customer_ref=["ann", "bob", ""][n % 3],
                created_at=at(day, n),
            )
        )
    return orders


def test_closed_months_are_built_once_and_read_while_current(shop) -> None:
    some_orders(shop)
    totals_fold()
    assert months.months_refresh(today=TODAY) == 4  # October and November, by service and customer
    assert months.months_refresh(today=TODAY) == 0  # all current
    assert set(MonthStamp.objects.values_list("by", "month")) == {
        (by, month) for by in ("service", "customer") for month in (FIRST_DAY, date(2026, 11, 1))
    }
    assert_reports_match()
    # Read, not recomputed: a month's figures changed behind its back show in the report.
    ServiceMonth.objects.filter(month=date(2026, 11, 1)).update(orders=100)
    november = figures("service", date(2026, 11, 1), date(2026, 11, 30), from_totals=True)
    assert november[-1][1] == 100 * ServiceMonth.objects.filter(month=date(2026, 11, 1)).count()
    # A month mostly inside the period is read too, less its days outside it (1 to 3
    # November: one order on the 3rd)...
    most = figures("service", date(2026, 11, 4), date(2026, 11, 30), from_totals=True)
    early = Order.objects.filter(
        created_at__range=(at(date(2026, 11, 1), 0), at(date(2026, 11, 3), 23))
    )
    assert early.count() == 2
    assert most[-1][1] == november[-1][1] - early.count()
    # ...and a month mostly outside it is read from its days.
    few = (date(2026, 11, 2), date(2026, 11, 15))
    assert figures("service", *few, from_totals=True) == figures("service", *few, from_totals=False)


def test_a_fold_into_a_month_stops_it_being_read_until_rebuilt(shop) -> None:
    orders = some_orders(shop)
    totals_fold()
    months.months_refresh(today=TODAY)
    late = orders[2]  # placed on 3 November: the panel reports its refund only now
    late.refund = Decimal("1")
    late.save()
    assert_reports_match()  # the change is still in the log: the month and the log add up
    totals_fold()
    assert_reports_match()  # folded: November is stale and read from its days
    ServiceMonth.objects.filter(month=date(2026, 11, 1)).update(orders=100)
    assert_reports_match()  # stale figures are not read at all
    assert months.months_refresh(today=TODAY) == 2  # November only, both dimensions
    assert_reports_match()


def test_a_new_rate_or_another_base_currency_stops_a_month_being_read(shop) -> None:
    some_orders(shop)
    totals_fold()
    months.months_refresh(today=TODAY)
    ExchangeRate.objects.filter(day=date(2026, 10, 20), currency="EUR").update(rate=Decimal("0.95"))
    assert_reports_match()
    assert months.months_refresh(today=TODAY) == 2  # October only
    ExchangeRate.objects.create(
        day=date(2026, 10, 2), base="USD", currency="RUB", rate=Decimal("97")
    )  # a rate found later for days that had none
    assert_reports_match()
    assert months.months_refresh(today=TODAY) == 2
    CurrencySettings.objects.filter(pk=1).update(base_currency="EUR")
    assert_reports_match()
    assert months.months_refresh(today=TODAY) == 4
    assert set(MonthStamp.objects.values_list("base", flat=True)) == {"EUR"}
    assert_reports_match()


def test_the_periodic_step_folds_then_builds_and_a_rebuild_empties_the_months(shop) -> None:
    some_orders(shop)
    logged = TotalsChange.objects.count()
    folded, built = totals_keep(today=TODAY)
    assert (folded, built) == (logged, 4)
    assert not TotalsChange.objects.exists()
    assert CustomerMonth.objects.exists()
    totals_rebuild()
    assert not MonthStamp.objects.exists()
    assert not ServiceMonth.objects.exists()
    assert_reports_match()


def test_a_year_by_service_takes_the_same_queries_with_months(shop) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            money_report(by="service", first=FIRST_DAY, last=LAST_DAY)
        return len(captured)

    some_orders(shop)
    totals_fold()
    from_days = queries()
    months.months_refresh(today=TODAY)
    assert queries() == from_days
    with CaptureQueriesContext(connection) as captured:
        months.months_refresh(today=TODAY)
    assert len(captured) == 5  # closed months, stamps, base, currencies, rates: nothing built


# Edits over three months, folds and month builds between them, rates changing.
money = st.one_of(st.none(), st.decimals(min_value=0, max_value=10**4, places=4))
DAYS = [date(2026, 10, 2), date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 30),
        date(2026, 12, 1)]  # fmt: skip
new_order = st.fixed_dictionaries(
    {
        "service": st.integers(0, 2),
        "charge": money,
        "refund": money,
        "sale_price": money,
        "customer_ref": st.sampled_from(["", "ann", "bob"]),
        "day": st.integers(0, len(DAYS) - 1),
    }
)
step = st.one_of(
    st.tuples(st.just("create"), new_order),
    st.tuples(st.just("refund"), st.integers(0, 9), money),
    st.tuples(st.just("move"), st.integers(0, 9), st.integers(0, len(DAYS) - 1)),
    st.tuples(st.just("delete"), st.integers(0, 9)),
    st.tuples(st.just("fold")),
    st.tuples(st.just("build")),
    st.tuples(st.just("rate"), st.integers(0, len(DAYS) - 1), st.sampled_from(["0.9", "1.1"])),
)


def apply(step: tuple, services: list) -> None:
    kind = step[0]
    if kind == "fold":
        totals_fold()
    elif kind == "build":
        months.months_refresh(today=TODAY)
    elif kind == "rate":
        ExchangeRate.objects.filter(day=DAYS[step[1]], currency="EUR").update(rate=step[2])
    elif kind == "create":
        values = dict(step[1])
        service = services[values.pop("service")]
        OrderFactory(service=service, state=PLACED, created_at=at(DAYS[values.pop("day")]),
                     **values)  # fmt: skip
    else:
        orders = list(Order.objects.order_by("pk"))
        if not orders:
            return
        order = orders[step[1] % len(orders)]
        if kind == "delete":
            order.delete()
        elif kind == "refund":
            order.refund = step[2]
            order.save()
        else:
            order.created_at = at(DAYS[step[2]], 15)
            order.save()


@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.lists(new_order, min_size=1, max_size=5),
    steps=st.lists(step, min_size=1, max_size=14),
)
def test_reports_with_months_equal_reports_from_the_orders(shop, first, steps) -> None:
    with transaction.atomic():
        # Orders in months already built, then anything.
        for one in [*(("create", values) for values in first), ("fold",), ("build",), *steps]:
            apply(one, shop)
        assert_reports_match()
        transaction.set_rollback(True)
