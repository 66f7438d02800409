"""Closed months converted ahead (reports.models.ServiceMonth, CustomerMonth): a report by
service or by customer over a long period reads twelve months of them instead of ~500,000
day rows.

A month's figures are a cache of its days. Its stamp records the base currency, a digest of
the rates of its days and the month's fold version (bumped by every fold that touches its
days, reports/totals_sql.py); a report reads the month only while all three are as they are
now, otherwise its days (reports/totals.py), so a late refund, a new rate or another base
currency is never missed. `months_refresh` (after each fold, reports/tasks.py) builds the
closed months that are missing or stale.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from decimal import Decimal

from django.db import connection, transaction

from currency.conversion import base_currency, daily_rates
from panels.models import Panel
from reports import totals_sql
from reports.totals_sql import CONVERTED, converted_sql, rates_values

STAMP = "reports_monthstamp"
VERSION = totals_sql.MONTH_VERSION
# Per dimension built by month: its month table (its day table and key: totals_sql.SOURCES).
MONTH_TABLES = {"service": "reports_servicemonth", "customer": "reports_customermonth"}


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def months_to_read(first: date, last: date) -> list[date]:
    """The first days of the months a report over [first, last] reads as figures (while they
    are current): the months wholly inside, and a ragged month at either end whose days
    outside the period are fewer than its days inside: it is read as the month less those
    days (reports/totals.py), fewer rows than its days inside."""
    found = []
    month = first.replace(day=1)
    while month <= last:
        end = month_end(month)
        inside = (min(end, last) - max(month, first)).days + 1
        outside = (end - month).days + 1 - inside
        if outside < inside:
            found.append(month)
        month = end + timedelta(days=1)
    return found


def rates_digest(rates: dict[tuple[str, date], Decimal], month: date) -> str:
    """What converting `month` depends on: every (currency, day, rate) of its days. The same
    whatever the period `rates` were read for (a day's rate depends only on the days before
    it, currency.conversion.daily_rates)."""
    end = month_end(month)
    used = sorted(
        f"{currency}|{day.isoformat()}|{rate}"
        for (currency, day), rate in rates.items()
        if month <= day <= end
    )
    return hashlib.sha256(";".join(used).encode()).hexdigest()


def _build(by: str, month: date, base: str, rates: dict[tuple[str, date], Decimal]) -> None:
    """Convert `month`'s days into its figures and stamp them, with folds held off meanwhile
    (the fold lock): the stamp's version is the one the days were read at."""
    table = MONTH_TABLES[by]
    days, key = totals_sql.SOURCES[by]
    end = month_end(month)
    values, params = rates_values({k: v for k, v in rates.items() if month <= k[1] <= end})
    params.update(month=month, end=end, base=base, by=by, digest=rates_digest(rates, month))
    sums = ", ".join(f"SUM({name})" for name in CONVERTED)
    columns = totals_sql.day_columns(key)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [totals_sql.FOLD_LOCK])
        cursor.execute(f"DELETE FROM {table} WHERE month = %(month)s", params)  # noqa: S608
        cursor.execute(
            f"""INSERT INTO {table} (month, {key}, {", ".join(CONVERTED)})
            WITH r (cur, day, rate) AS (VALUES {values}),
                 t AS (SELECT {columns} FROM {days} WHERE day BETWEEN %(month)s AND %(end)s)
            SELECT %(month)s, key, {sums} FROM ({converted_sql("t", key)}) AS p GROUP BY key
            """,  # noqa: S608 (names from this module)
            params,
        )
        cursor.execute(
            f"""INSERT INTO {STAMP} (by, month, base, rates, version)
            SELECT %(by)s, %(month)s, %(base)s, %(digest)s, COALESCE(
                (SELECT version FROM {VERSION} WHERE month = %(month)s), 0)
            ON CONFLICT (by, month) DO UPDATE SET base = EXCLUDED.base,
                rates = EXCLUDED.rates, version = EXCLUDED.version""",  # noqa: S608
            params,
        )


def months_refresh(*, today: date) -> int:
    """Build every closed month (ended before `today`) that has days but no current figures;
    how many (dimension, month) pairs were built. Five queries when all are current."""
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT CAST(date_trunc('month', day) AS DATE) "
            "FROM reports_paneldaytotal WHERE day < %s",
            [today.replace(day=1)],
        )
        closed = sorted(row[0] for row in cursor.fetchall())
        if not closed:
            return 0
        cursor.execute(
            f"SELECT s.by, s.month, s.base, s.rates, s.version = COALESCE(v.version, 0) "  # noqa: S608
            f"FROM {STAMP} s LEFT JOIN {VERSION} v ON v.month = s.month"
        )
        stamps = {(by, month): (base, digest, same) for by, month, base, digest, same in cursor}
    base = base_currency()
    currencies = set(Panel.objects.values_list("currency", flat=True))
    rates = {
        key: value
        for key, (value, _) in daily_rates(
            base, currencies, closed[0], month_end(closed[-1])
        ).items()
    }
    built = 0
    for month in closed:
        digest = rates_digest(rates, month)
        for by in MONTH_TABLES:
            if stamps.get((by, month)) != (base, digest, True):
                _build(by, month, base, rates)
                built += 1
    return built
