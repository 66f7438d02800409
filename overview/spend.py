"""The overview's spend: what placed orders cost per day, panel and currency over the last 30
days, and in the last 24 hours and 7 days, in one query that reads one index.

The cost is the panel's `charge`, or our `estimated_cost` until the panel reports one, less
refunds owed (orders.cost_sql). The currency is the order's, or its panel's when the order has
none. Canceled and refunded orders are left out: their money came back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, DateField, Q, Sum, Value
from django.utils import timezone

from orders.cost_sql import order_cost
from orders.models import Order
from panels.api.normalise import Status
from panels.models import Panel

# Orders whose money came back: they do not count as spend.
REFUNDED_STATUSES = (Status.CANCELED, Status.REFUNDED)

# The spend chart: per panel per day, today and the days before it.
SPEND_CHART_DAYS = 30


def windows_since(now: datetime) -> dict[str, datetime]:
    return {"24h": now - timedelta(hours=24), "7d": now - timedelta(days=7)}


@dataclass(frozen=True)
class Spend:
    currency: str
    last_24h: Decimal
    last_7d: Decimal
    orders_7d: int
    # The same money per day of the site's time zone, (last 24 h, last 7 days), so that each
    # day is converted to the base currency at its own rate (overview.in_base).
    by_day: dict[date, tuple[Decimal, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class DailySpend:
    day: date  # in the site's time zone
    panel_id: int
    currency: str
    amount: Decimal
    # Set once converted to the base currency (overview.in_base): the rate's day, and what
    # was billed ("1,100.00 RUB"); or why it could not be converted.
    rate_day: date | None = None
    billed: str = ""
    problem: str = ""


@dataclass(frozen=True)
class _SpendRow:
    day: date
    panel_id: int
    currency: str  # the order's, or its panel's
    amount: Decimal  # the whole day
    last_24h: Decimal  # of it, what was created in the last 24 hours
    last_7d: Decimal
    orders_7d: int


def spend_rows(
    *, now: datetime, days: int = SPEND_CHART_DAYS, currencies: dict[int, str] | None = None
) -> list[_SpendRow]:
    """What placed orders cost per day of the site's time zone, panel and currency, over the
    last `days` days (today included; eight at least), with the parts of it created in the
    last 24 hours and 7 days. One query over the recent placed orders only, from the index
    `order_spend` alone (it holds every column read); one more for the panels' currencies
    unless `currencies` (panel id -> currency) gives them.

    The sums are one SELECT per day, joined with UNION ALL: each groups by plain columns, which
    the database sums in a small hash table (one GROUP BY the day of a timestamp makes it sort
    every order of the month). The days are the site's, DST included.

    The cost is the panel's `charge`, or our `estimated_cost` until the panel reports one,
    less refunds owed. The currency is the order's, or its panel's when the order has none.
    Canceled and refunded orders are left out: their money came back.
    """
    since = windows_since(now)
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    amount, money = order_cost()
    placed = Order.objects.filter(state=Order.State.PLACED).exclude(status__in=REFUNDED_STATUSES)
    per_day = []
    for back in range(max(days, 8)):
        day = today - timedelta(days=back)
        start, stop = (
            timezone.make_aware(datetime.combine(d, time.min), zone)
            for d in (day, day + timedelta(days=1))
        )
        recent = start < now and stop > since["7d"]  # it holds part of the last 7 days
        windows: dict[str, Any] = {
            "last_24h": Sum(amount, filter=Q(created_at__gte=since["24h"]), output_field=money)
            if recent
            else Value(None, output_field=money),
            "last_7d": Sum(amount, filter=Q(created_at__gte=since["7d"]), output_field=money)
            if recent
            else Value(None, output_field=money),
            # of a column in the index, so that the index alone answers
            "orders_7d": Count("created_at", filter=Q(created_at__gte=since["7d"]))
            if recent
            else Value(0),
        }
        per_day.append(
            placed.filter(created_at__gte=start, created_at__lt=stop)
            .values("panel_id", "currency")
            .annotate(
                day=Value(day, output_field=DateField()),
                amount=Sum(amount, output_field=money),
                **windows,
            )
            .order_by()
        )
    if currencies is None:
        currencies = dict(Panel.objects.values_list("pk", "currency"))
    merged: dict[tuple[date, int, str], _SpendRow] = {}
    rows: Any = per_day[0].union(*per_day[1:], all=True)  # dicts of the columns above
    for row in rows:
        currency = row["currency"] or currencies.get(row["panel_id"]) or ""
        key = (row["day"], row["panel_id"], currency)
        found = _SpendRow(
            *key,
            row["amount"] or Decimal(0),
            row["last_24h"] or Decimal(0),
            row["last_7d"] or Decimal(0),
            row["orders_7d"] or 0,
        )
        if key in merged:  # orders in their panel's currency, with it and without
            was = merged[key]
            found = _SpendRow(
                *key,
                was.amount + found.amount,
                was.last_24h + found.last_24h,
                was.last_7d + found.last_7d,
                was.orders_7d + found.orders_7d,
            )
        merged[key] = found
    return [merged[key] for key in sorted(merged)]


def spend_of(rows: list[_SpendRow]) -> list[Spend]:
    """The last 24 hours' and 7 days' spend per currency (`spend_by_currency`)."""
    days: dict[str, dict[date, tuple[Decimal, Decimal, int]]] = {}
    for row in rows:
        if not row.orders_7d:
            continue
        per_day = days.setdefault(row.currency, {})
        v24, v7, n7 = per_day.get(row.day, (Decimal(0), Decimal(0), 0))
        per_day[row.day] = (v24 + row.last_24h, v7 + row.last_7d, n7 + row.orders_7d)
    return [
        Spend(
            currency=currency,
            last_24h=sum((v[0] for v in per_day.values()), Decimal(0)),
            last_7d=sum((v[1] for v in per_day.values()), Decimal(0)),
            orders_7d=sum(v[2] for v in per_day.values()),
            by_day={day: (v[0], v[1]) for day, v in sorted(per_day.items())},
        )
        for currency, per_day in sorted(days.items())
    ]


def daily_of(rows: list[_SpendRow], *, now: datetime, days: int) -> list[DailySpend]:
    """The spend per panel per day of the last `days` days (`spend_per_day`)."""
    first = timezone.localtime(now).date() - timedelta(days=days - 1)
    return [
        DailySpend(day=row.day, panel_id=row.panel_id, currency=row.currency, amount=row.amount)
        for row in rows
        if row.day >= first
    ]


def spend_by_currency(*, now: datetime) -> list[Spend]:
    """What placed orders cost in the last 24 h and 7 days, per currency (the cost and
    currency as `spend_rows` says). Two queries."""
    return spend_of(spend_rows(now=now, days=8))


def spend_per_day(*, now: datetime, days: int = SPEND_CHART_DAYS) -> list[DailySpend]:
    """What placed orders cost per panel per day over the last `days` days (today included),
    per currency: the same money as `spend_by_currency`, by the day of the site's time zone.
    Only days with spend are returned. Two queries."""
    return daily_of(spend_rows(now=now, days=days), now=now, days=days)
