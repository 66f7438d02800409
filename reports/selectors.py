"""Spend, sales and profit over a period, grouped by day, panel, service or customer, in the
base currency: one aggregate query per figure set, whatever the number of orders.

What an order counts for (placed orders only: nothing else was bought):
    cost   = (charge, or the estimate while the panel has not reported one) − refund owed,
             in the order's currency, converted at the rate of the order's day
    sale   = sale_price (already in the base currency)
    profit = sale − cost, for orders with a sale price (no sale price: no profit, not zero)
An order whose day has no rate for its currency is left out of spend and profit and counted
as not converted, with the missing rates named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from currency.conversion import base_currency, daily_rates
from orders.cost_sql import order_cost, order_currency
from orders.models import Order
from panels.api.normalise import MONEY_STEP
from panels.models import MONEY_PLACES as PLACES
from panels.models import Panel, Service
from reports.months import MONTH_TABLES, month_end
from reports.services import totals_usable
from reports.totals import aggregate_totals

DIMENSIONS = {"day": "Day", "panel": "Panel", "service": "Service", "customer": "Customer"}
ROWS_SHOWN = 200  # per service or customer, the biggest spend first; the CSV has them all


@dataclass(frozen=True)
class Figures:
    orders: int = 0
    spend: Decimal = Decimal(0)
    refunds: Decimal = Decimal(0)
    sales: Decimal = Decimal(0)
    profit: Decimal | None = None  # over the orders with a sale price
    with_sale: int = 0
    unconverted: int = 0


@dataclass(frozen=True)
class ReportRow:
    key: str
    label: str
    figures: Figures


@dataclass
class MoneyReport:
    base: str
    by: str
    first: date
    last: date
    rows: list[ReportRow]
    totals: Figures
    more_rows: bool = False  # more services or customers than shown
    missing_rates: list[str] = field(default_factory=list)  # "RUB: 2 Dec – 4 Dec"
    rate_days: tuple[date, date] | None = None  # the oldest and newest rate day used


def _period_orders(first: date, last: date) -> QuerySet[Order]:
    zone = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(first, time.min), zone)
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), zone)
    return (
        Order.objects.filter(state=Order.State.PLACED, created_at__gte=start, created_at__lt=end)
        .order_by()  # a sum needs no order: the list's default would sort every row first
        .annotate(
            day=TruncDate("created_at", tzinfo=zone),
            cur=order_currency(),
            cost=order_cost()[0],
        )
    )


KEYS = {
    "day": "day",
    "panel": "panel_id",
    "service": "service_id",
    "customer": "customer_ref",
}


def _aggregate(
    orders: QuerySet[Order], key: str, rates: dict[tuple[str, date], Decimal], base: str
) -> list[tuple[Any, ...]]:
    """Rows of (key, orders, spend, refunds, sales, profit, with_sale, unconverted), one per
    group, the orders converted in the database against a table of the period's daily rates."""
    columns = ["day", "cur", "cost", "refund", "sale_price", *([key] if key != "day" else [])]
    inner_sql, inner_params = orders.values(*columns).query.sql_with_params()
    empty = "(CAST(NULL AS VARCHAR(3)), CAST(NULL AS DATE), CAST(NULL AS NUMERIC))"
    values = ", ".join(["(%s, %s, %s)"] * len(rates)) or empty
    rate_params: list[Any] = [v for (cur, day), rate in rates.items() for v in (cur, day, rate)]
    # The base currency converts at 1 whatever the day; other currencies at their day's rate.
    rate = "CASE WHEN o.cur = %s THEN 1 ELSE r.rate END"
    group = f"o.{connection.ops.quote_name(key)}"
    # Only placeholders, Django's own SQL and a quoted column name go into the text.
    sql = f"""
        WITH r (cur, day, rate) AS (VALUES {values}),
             o AS ({inner_sql})
        SELECT {group},
               COUNT(*),
               ROUND(SUM(o.cost * {rate}), {PLACES}),
               ROUND(SUM(COALESCE(o.refund, 0) * {rate}), {PLACES}),
               SUM(o.sale_price),
               ROUND(SUM(o.sale_price - o.cost * {rate}), {PLACES}),
               COUNT(o.sale_price),
               SUM(CASE WHEN {rate} IS NULL THEN 1 ELSE 0 END)
        FROM o LEFT JOIN r ON r.cur = o.cur AND r.day = o.day
        GROUP BY {group}
    """  # noqa: S608
    params = [*rate_params, *inner_params, base, base, base, base]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = list(cursor.fetchall())
    if key == "day":  # SQLite hands a raw query's dates back as text
        rows = [(_as_date(row[0]), *row[1:]) for row in rows]
    return rows


def _aggregate_in_python(
    orders: QuerySet[Order], key: str, rates: dict[tuple[str, date], Decimal], base: str
) -> list[tuple[Any, ...]]:
    """_aggregate's rows, summed in Decimal here: SQLite computes money in floats (0.0001 −
    0.000001 is 0.00009900000000000001 there). SQLite is the laptop's database: few orders."""
    fields = ["day", "cur", "charge", "estimated_cost", "refund", "sale_price"]
    groups: dict[Any, list[Any]] = {}
    for row in orders.values(*fields, *([key] if key != "day" else [])):
        taken = next((v for v in (row["charge"], row["estimated_cost"]) if v is not None), 0)
        refund, sale = row["refund"] or Decimal(0), row["sale_price"]
        rate = Decimal(1) if row["cur"] == base else rates.get((row["cur"], row["day"]))
        # orders, spend, refunds, sales, profit, with_sale, unconverted: None until summed
        group = groups.setdefault(row[key], [0, None, None, None, None, 0, 0])
        group[0] += 1
        if sale is not None:
            group[3] = (group[3] or 0) + sale
            group[5] += 1
        if rate is None:
            group[6] += 1
            continue
        cost = (taken - refund) * rate
        group[1] = (group[1] or 0) + cost
        group[2] = (group[2] or 0) + refund * rate
        if sale is not None:
            group[4] = (group[4] or 0) + sale - cost
    return [
        (group_key, sums[0], *map(_places, sums[1:3]), sums[3], _places(sums[4]), *sums[5:])
        for group_key, sums in groups.items()
    ]


def _places(value: Decimal | None) -> Decimal | None:
    """A converted sum rounded as PostgreSQL's ROUND(sum, PLACES) rounds it (half away from
    zero), as every path rounds it: the totals, the orders, SQLite."""
    return None if value is None else value.quantize(MONEY_STEP, ROUND_HALF_UP)


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _money(value: Any) -> Decimal:
    """PostgreSQL sums to Decimal; SQLite to float or int (its sums are not exact)."""
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


def _figures(row: tuple[Any, ...]) -> Figures:
    _, orders, spend, refunds, sales, profit, with_sale, unconverted = row
    return Figures(
        orders=orders,
        spend=_money(spend),
        refunds=_money(refunds),
        sales=_money(sales),
        # NULL when no order has both a sale price and a rate: no profit to show, not zero
        profit=_money(profit) if profit is not None else None,
        with_sale=with_sale,
        unconverted=int(unconverted or 0),
    )


def _total(rows: list[tuple[Any, ...]]) -> Figures:
    """Every group added up: the groups split the period's orders, so they sum to its totals.
    Column by column (thousands of services or customers: no Figures per group)."""
    if not rows:
        return Figures()
    _, orders, spend, refunds, sales, profit, with_sale, unconverted = zip(*rows, strict=True)
    profits = [value for value in profit if value is not None]
    return _figures(
        (
            None,
            sum(orders),
            sum(map(_money, spend), Decimal(0)),
            sum(map(_money, refunds), Decimal(0)),
            sum(map(_money, sales), Decimal(0)),
            sum(map(_money, profits), Decimal(0)) if profits else None,
            sum(with_sale),
            sum(int(value or 0) for value in unconverted),
        )
    )


def _labels(by: str, keys: list[Any]) -> dict[Any, str]:
    if by == "panel":
        return dict(Panel.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "service":
        services = Service.objects.filter(pk__in=keys).values_list("pk", "name", "panel__name")
        return {pk: f"{name} · {panel}" for pk, name, panel in services}
    if by == "customer":
        return {key: key or "No customer" for key in keys}
    return {key: f"{key:%a %-d %b %Y}" for key in keys}


def _missing(
    currencies: set[str], rates: dict[tuple[str, date], Any], first: date, last: date, base: str
) -> list[str]:
    """Per currency without a rate on some days of the period: "RUB: 2026-12-02 – 2026-12-04"."""
    gaps = []
    for currency in sorted(c for c in currencies if c != base):
        days = [
            first + timedelta(days=n)
            for n in range((last - first).days + 1)
            if (currency, first + timedelta(days=n)) not in rates
        ]
        if days:
            span = f"{days[0]:%Y-%m-%d}" + (f" – {days[-1]:%Y-%m-%d}" if len(days) > 1 else "")
            gaps.append(f"{currency}: {len(days)} day{'s' * (len(days) > 1)} ({span})")
    return gaps


def money_report(
    *,
    by: str,
    first: date,
    last: date,
    limit: int | None = ROWS_SHOWN,
    base: str = "",
    currencies: set[str] | None = None,
    from_totals: bool | None = None,
) -> MoneyReport:
    """The period's figures grouped `by` a dimension, with their totals. Five queries: the
    base currency, the panels' currencies (a page that has both passes them), the rates
    (none when every panel bills in the base currency), whether the day totals can be read
    (reports/models.py; `from_totals` decides instead), the groups (and one for names)."""
    if by not in DIMENSIONS:
        raise ValueError(f"Unknown report dimension: {by}")
    base = base or base_currency()
    if currencies is None:
        currencies = set(Panel.objects.values_list("currency", flat=True))
    currencies = {c.upper() for c in currencies if c}
    if from_totals is None:
        from_totals = totals_usable()
    # Read from the totals by service or customer, a ragged month at either end may be read
    # as its figures less its days outside the period: those days need their rates too.
    wide = from_totals and by in MONTH_TABLES
    span = (first.replace(day=1), month_end(last.replace(day=1))) if wide else (first, last)
    every = daily_rates(base, currencies, *span)
    rates = {key: value for key, (value, _) in every.items()}
    found = {key: rated for key, rated in every.items() if first <= key[1] <= last}
    if from_totals:
        grouped = aggregate_totals(by, first, last, rates, base)
    elif connection.vendor == "sqlite":
        grouped = _aggregate_in_python(_period_orders(first, last), KEYS[by], rates, base)
    else:
        grouped = _aggregate(_period_orders(first, last), KEYS[by], rates, base)
    if by == "day":
        grouped.sort(key=lambda row: row[0])
    else:
        grouped.sort(key=lambda row: (-(row[2] or 0), str(row[0])))
    shown = grouped[:limit] if limit else grouped
    labels = _labels(by, [row[0] for row in shown])
    used = [rate_day for _, rate_day in found.values()]
    return MoneyReport(
        base=base,
        by=by,
        first=first,
        last=last,
        rows=[
            ReportRow(str(row[0]), labels.get(row[0], str(row[0])), _figures(row)) for row in shown
        ],
        totals=_total(grouped),
        more_rows=len(grouped) > len(shown),
        missing_rates=_missing(currencies, found, first, last, base),
        rate_days=(min(used), max(used)) if used else None,
    )


@dataclass(frozen=True)
class ProfitSummary:
    """The overview's figures: profit today and this month so far, in the base currency."""

    base: str
    today: Decimal | None
    month: Decimal | None
    unconverted: int  # orders this month left out for want of a rate


def profit_summary(*, today: date, base: str, currencies: set[str]) -> ProfitSummary:
    """Today's and this month's profit: one month's report by day, read twice. The caller
    knows the base currency and the panels' currencies already."""
    report = money_report(
        by="day",
        first=today.replace(day=1),
        last=today,
        limit=None,
        base=base,
        currencies=currencies,
    )
    days = {row.key: row.figures for row in report.rows}
    shown_today = days.get(today.isoformat())
    return ProfitSummary(
        base=report.base,
        today=shown_today.profit if shown_today else None,
        month=report.totals.profit,
        unconverted=report.totals.unconverted,
    )
