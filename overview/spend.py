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
from itertools import pairwise
from typing import Any

from django.db import connection
from django.db.models import Count, DateTimeField, IntegerField, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.utils import timezone

from core.counting import compiled
from orders.cost_sql import order_cost
from orders.list_indexes import SPENDING
from orders.models import Order
from panels.models import Panel

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


@dataclass(frozen=True)
class _Piece:
    """A part of a day of the site's time zone (DST included: a day is not always 24 hours)
    that lies wholly inside or wholly outside each window (the last 24 hours, 7 days)."""

    day: date
    start: datetime
    stop: datetime


def _pieces(*, now: datetime, days: int) -> list[_Piece]:
    """The last `days` days (today first), each cut where a window begins inside it: so each
    piece is summed once, without a second and third sum filtered per order for the windows."""
    zone = timezone.get_current_timezone()
    today = timezone.localtime(now, zone).date()
    cuts = sorted(windows_since(now).values())
    pieces = []
    for back in range(days):
        day = today - timedelta(days=back)
        start, stop = (
            timezone.make_aware(datetime.combine(d, time.min), zone)
            for d in (day, day + timedelta(days=1))
        )
        edges = [start, *(cut for cut in cuts if start < cut < stop), stop]
        pieces += [_Piece(day, *edge) for edge in pairwise(edges)]
    return pieces


def _spend_of_a_piece(*, start: Any, stop: Any, piece: Any) -> QuerySet[Any, Any]:
    """What placed orders created from `start` to `stop` cost, and how many they are, per
    panel and currency. It groups by plain columns, which the database sums in a small hash
    table (a GROUP BY the day of a timestamp makes it sort every order of the month)."""
    amount, money = order_cost()
    return (
        Order.objects.filter(SPENDING, created_at__gte=start, created_at__lt=stop)
        .values("panel_id", "currency")
        .annotate(
            piece=piece,
            amount=Sum(amount, output_field=money),
            # of a column in the index, so that the index alone answers
            orders=Count("created_at"),
        )
        .order_by()
    )


_COLUMNS = ("panel_id", "currency", "piece", "amount", "orders")


def _spend_per_piece_lateral(pieces: list[_Piece]) -> list[dict[str, Any]]:
    """PostgreSQL: the pieces as a list the statement walks (unnest), each one's sums a
    LATERAL subquery over its range of the index. One small plan run once per piece: the
    same work as one SELECT per piece joined with UNION ALL, without planning (and building
    in Python) thirty copies of it, which cost about as much as running them."""
    per_piece = _spend_of_a_piece(
        start=RawSQL("spend_piece.start", (), output_field=DateTimeField()),
        stop=RawSQL("spend_piece.stop", (), output_field=DateTimeField()),
        piece=RawSQL("spend_piece.n", (), output_field=IntegerField()),
    )
    sql, params = compiled(per_piece)
    columns = ", ".join(f"spend.{column}" for column in _COLUMNS)
    statement = (
        f"SELECT {columns} FROM unnest(%s::int[], %s::timestamptz[], %s::timestamptz[]) "  # noqa: S608 (Django's SQL)
        f"AS spend_piece (n, start, stop) CROSS JOIN LATERAL ({sql}) AS spend"
    )
    numbers = list(range(len(pieces)))
    starts, stops = [piece.start for piece in pieces], [piece.stop for piece in pieces]
    with connection.cursor() as cursor:
        cursor.execute(statement, [numbers, starts, stops, *params])
        return [dict(zip(_COLUMNS, row, strict=True)) for row in cursor.fetchall()]


def _spend_per_piece_union(pieces: list[_Piece]) -> list[dict[str, Any]]:
    """Elsewhere (SQLite): one SELECT per piece, joined with UNION ALL."""
    per_piece = [
        _spend_of_a_piece(start=piece.start, stop=piece.stop, piece=Value(n))
        for n, piece in enumerate(pieces)
    ]
    rows: Any = per_piece[0].union(*per_piece[1:], all=True)  # dicts of the columns above
    return list(rows)


def spend_rows(
    *, now: datetime, days: int = SPEND_CHART_DAYS, currencies: dict[int, str] | None = None
) -> list[_SpendRow]:
    """What placed orders cost per day of the site's time zone, panel and currency, over the
    last `days` days (today included; eight at least), with the parts of it created in the
    last 24 hours and 7 days. One query over the recent placed orders only, from the index
    `order_spend` alone (it holds every column read); one more for the panels' currencies
    unless `currencies` (panel id -> currency) gives them.

    The days are the site's, DST included, each summed in pieces that lie wholly inside or
    outside each window (`_pieces`).

    The cost is the panel's `charge`, or our `estimated_cost` until the panel reports one,
    less refunds owed. The currency is the order's, or its panel's when the order has none.
    Canceled and refunded orders are left out: their money came back.
    """
    since = windows_since(now)
    pieces = _pieces(now=now, days=max(days, 8))
    if connection.vendor == "postgresql":
        rows = _spend_per_piece_lateral(pieces)
    else:
        rows = _spend_per_piece_union(pieces)
    if currencies is None:
        currencies = dict(Panel.objects.values_list("pk", "currency"))
    merged: dict[tuple[date, int, str], _SpendRow] = {}
    for row in rows:
        piece = pieces[row["piece"]]
        currency = row["currency"] or currencies.get(row["panel_id"]) or ""
        key = (piece.day, row["panel_id"], currency)
        amount = row["amount"] or Decimal(0)
        in_24h, in_7d = piece.start >= since["24h"], piece.start >= since["7d"]
        # one row of a day's pieces, and of orders in their panel's currency with it and without
        was = merged.get(key) or _SpendRow(*key, Decimal(0), Decimal(0), Decimal(0), 0)
        merged[key] = _SpendRow(
            *key,
            was.amount + amount,
            was.last_24h + amount if in_24h else was.last_24h,
            was.last_7d + amount if in_7d else was.last_7d,
            was.orders_7d + row["orders"] if in_7d else was.orders_7d,
        )
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
