"""The reports' day totals (reports/models.py) kept by a PostgreSQL trigger: over any sequence
of writes — saves, QuerySet.update, deletes, folds in between — a report read from the totals
equals the same report summed from the orders."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from currency.models import CurrencySettings, ExchangeRate
from orders.models import Order
from panels.models import Panel
from reports import tasks
from reports.models import PanelDayTotal, TotalsChange, TotalsState
from reports.selectors import DIMENSIONS, money_report
from reports.services import totals_fold, totals_rebuild, totals_usable
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.reports.compare import figures

pytestmark = pytest.mark.django_db

DAYS = [date(2026, 12, d) for d in (1, 2, 3, 4)]
PLACED, OTHER = Order.State.PLACED, Order.State.REJECTED


@pytest.fixture(autouse=True)
def postgres_totals(settings):
    if connection.vendor != "postgresql":
        pytest.skip("the totals are kept by a PostgreSQL trigger; SQLite reads the orders")
    settings.TIME_ZONE = "UTC"
    totals_rebuild()  # a flush by an earlier transactional test empties the state table


@pytest.fixture
def shop():
    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    services = [
        ServiceFactory(panel=PanelFactory(name=f"{cur} panel", currency=cur))
        for cur in ("USD", "EUR", "RUB")
    ]
    # EUR has a rate every day; RUB only from the second day: its first day is unconverted.
    for day in DAYS:
        ExchangeRate.objects.create(day=day, base="USD", currency="EUR", rate=Decimal("0.92"))
        if day > DAYS[0]:
            ExchangeRate.objects.create(day=day, base="USD", currency="RUB", rate=Decimal("98.5"))
    return services


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def both(by: str) -> tuple[list[tuple], list[tuple]]:
    """The report over DAYS from the day totals and from the orders."""
    return (
        figures(by, DAYS[0], DAYS[-1], from_totals=True),
        figures(by, DAYS[0], DAYS[-1], from_totals=False),
    )


money = st.one_of(st.none(), st.decimals(min_value=0, max_value=10**4, places=4))
FIELDS = {
    "state": st.sampled_from([PLACED, PLACED, OTHER]),
    "charge": money,
    "estimated_cost": money,
    "refund": money,
    "sale_price": money,
    "customer_ref": st.sampled_from(["", "ann", "bob"]),
    "currency": st.sampled_from(["", "", "EUR"]),  # "" = the panel's
    "when": st.tuples(st.integers(0, 3), st.integers(0, 23)),  # day, hour
    "status": st.sampled_from(["pending", "completed"]),  # counts for nothing
}
new_order = st.fixed_dictionaries({"service": st.integers(0, 2), **FIELDS})
# An edit changes one field: each must be noticed on its own (the trigger's WHEN lists them).
one_field = st.sampled_from(sorted(FIELDS)).flatmap(lambda k: FIELDS[k].map(lambda v: {k: v}))
edit = st.tuples(st.sampled_from(["save", "update"]), st.integers(0, 9), one_field)
change = st.one_of(  # mostly edits, among creates, deletes and folds
    edit,
    edit,
    edit,
    st.tuples(st.just("create"), new_order),
    st.tuples(st.just("delete"), st.integers(0, 9)),
    st.tuples(st.just("fold")),
    st.tuples(st.just("panel"), st.integers(0, 2), st.sampled_from(["USD", "EUR", "RUB", ""])),
)


def write(obj: Model, values: dict, *, how: str) -> None:
    """Change `obj` by save() or by QuerySet.update (no save(), no signal: the trigger still
    sees it)."""
    if how == "update":
        type(obj).objects.filter(pk=obj.pk).update(**values)
        return
    for name, value in values.items():
        setattr(obj, name, value)
    obj.save()


def apply(step: tuple, services: list) -> None:
    orders = list(Order.objects.order_by("pk"))
    kind = step[0]
    if kind == "fold":
        totals_fold()
        return
    if kind == "panel":  # the orders without a currency of their own count in the new one
        Panel.objects.filter(pk=services[step[1]].panel_id).update(currency=step[2])
        return
    if kind == "create":
        values = dict(step[1])
        service = services[values.pop("service")]
        created = at(DAYS[values["when"][0]], values.pop("when")[1])
        OrderFactory(service=service, created_at=created, **values)
        return
    if not orders:
        return
    order = orders[step[1] % len(orders)]
    if kind == "delete":
        order.delete()
        return
    values = dict(step[2])
    if "when" in values:
        day, hour = values.pop("when")
        values["created_at"] = at(DAYS[day], hour)
    write(order, values, how=kind)


# The shop is shared on purpose: each example's writes are rolled back, its panels stay.
@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    first=st.lists(new_order, min_size=1, max_size=4),
    steps=st.lists(change, min_size=1, max_size=12),
)
def test_reports_from_the_totals_equal_reports_from_the_orders(shop, first, steps) -> None:
    with transaction.atomic():
        for step in [("create", values) for values in first] + steps:
            apply(step, shop)
        for by in DIMENSIONS:
            from_totals, from_orders = both(by)
            assert from_totals == from_orders, by
        transaction.set_rollback(True)  # each example starts from the same empty shop


def edits(shop) -> dict[str, dict]:
    """One edit per column the trigger must follow, from the order below."""
    return {
        "state": {"state": OTHER},
        "charge": {"charge": Decimal("2.50")},
        "estimated_cost": {"estimated_cost": Decimal("7")},  # counts while there is no charge
        "refund": {"refund": Decimal("0.40")},
        "sale_price": {"sale_price": Decimal("9")},
        "customer_ref": {"customer_ref": "bob"},
        "currency": {"currency": "EUR"},
        "created_at": {"created_at": at(DAYS[3], 3)},
        "service": {"service": shop[2], "panel": shop[2].panel},  # to the RUB panel
    }


@pytest.mark.parametrize("how", ["save", "update"])
@pytest.mark.parametrize(
    "column",
    ["state", "charge", "estimated_cost", "refund", "sale_price", "customer_ref", "currency",
     "created_at", "service"],
)  # fmt: skip
def test_an_edit_of_any_column_that_counts_is_followed(shop, column, how) -> None:
    order = OrderFactory(
        service=shop[0], state=PLACED, charge=None, estimated_cost=Decimal("1.20"),
        refund=Decimal("0.10"), sale_price=Decimal("3"), customer_ref="ann",
        created_at=at(DAYS[1], 9),
    )  # fmt: skip
    totals_fold()
    write(order, edits(shop)[column], how=how)
    for by in DIMENSIONS:
        from_totals, from_orders = both(by)
        assert from_totals == from_orders, by


@pytest.mark.parametrize("how", ["save", "update"])
def test_a_panels_new_currency_moves_its_orders_without_one(shop, how) -> None:
    euro_panel = shop[1].panel
    for currency in ("", "", "USD"):  # two count in the panel's currency, one in its own
        OrderFactory(service=shop[1], state=PLACED, charge=Decimal("10"), currency=currency,
                     created_at=at(DAYS[1], 9))  # fmt: skip
    totals_fold()
    write(euro_panel, {"currency": "RUB"}, how=how)
    assert TotalsChange.objects.count() == 4  # two orders out of EUR, into RUB
    totals_fold()
    assert sorted(PanelDayTotal.objects.values_list("currency", "orders", "cost")) == [
        ("RUB", 2, Decimal("20")),
        ("USD", 1, Decimal("10")),
    ]
    for by in DIMENSIONS:
        from_totals, from_orders = both(by)
        assert from_totals == from_orders, by


def test_a_status_only_update_writes_no_change(shop) -> None:
    order = OrderFactory(
        service=shop[0], state=PLACED, charge=Decimal("1"), created_at=at(DAYS[0], 9)
    )
    totals_fold()
    order.status, order.status_raw = "completed", "Completed"
    order.save()  # every column written, none that counts for money changed
    Order.objects.filter(pk=order.pk).update(attempts=3)
    assert TotalsChange.objects.count() == 0
    order.refund = Decimal("0.25")
    order.save()
    assert sorted(TotalsChange.objects.values_list("orders", "cost", "refunds")) == [
        (-1, Decimal("-1"), Decimal("0")),
        (1, Decimal("0.75"), Decimal("0.25")),
    ]


def test_a_fold_empties_the_log_and_drops_days_left_with_no_order(shop) -> None:
    kept = OrderFactory(
        service=shop[0], state=PLACED, charge=Decimal("2"), created_at=at(DAYS[0], 9)
    )
    moved = OrderFactory(
        service=shop[0], state=PLACED, charge=Decimal("1"), created_at=at(DAYS[1], 9)
    )
    before = both("day")
    assert tasks.totals_fold.apply().successful()
    assert TotalsChange.objects.count() == 0
    assert both("day") == before
    moved.created_at = at(DAYS[0], 10)  # its old day now holds nothing
    moved.save()
    totals_fold()
    (row,) = PanelDayTotal.objects.all()
    assert (row.day, row.orders, row.cost) == (DAYS[0], 2, Decimal("3"))
    kept.delete()
    moved.delete()
    totals_fold()
    assert not PanelDayTotal.objects.exists()


def test_totals_in_another_zone_are_not_read_until_rebuilt(shop, settings) -> None:
    # 23:30 UTC on the 1st is already the 2nd in Berlin
    OrderFactory(
        service=shop[0],
        state=PLACED,
        charge=Decimal("1"),
        created_at=at(DAYS[0], 23).replace(minute=30),
    )
    assert totals_usable()
    settings.TIME_ZONE = "Europe/Berlin"
    assert not totals_usable()
    out = StringIO()
    call_command("rebuild_report_totals", stdout=out)
    assert "days in Europe/Berlin" in out.getvalue()
    assert totals_usable()
    assert TotalsState.objects.get().zone == "Europe/Berlin"
    assert list(PanelDayTotal.objects.values_list("day", "orders")) == [(DAYS[1], 1)]
    from_totals, from_orders = both("day")
    assert from_totals == from_orders
    assert from_totals[0][0] == DAYS[1].isoformat()


def test_reading_the_totals_takes_the_same_queries_whatever_the_orders(shop) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            money_report(by="customer", first=DAYS[0], last=DAYS[-1])
        return len(captured)

    OrderFactory(service=shop[1], state=PLACED, charge=Decimal("1"), created_at=at(DAYS[1], 9))
    few = queries()
    for n in range(30):
        OrderFactory(service=shop[n % 3], state=PLACED, charge=Decimal("1"),
                     customer_ref=f"c{n}", created_at=at(DAYS[n % 4], 9))  # fmt: skip
    totals_fold()
    assert queries() == few
