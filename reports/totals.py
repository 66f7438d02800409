"""A report's groups read from the day totals (reports/models.py) instead of the orders: the
same rows as reports.selectors._aggregate gives, from a few thousand rows a year. By service
and by customer, a closed month whose converted figures are current (reports/months.py) is
read from them instead of its days."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from panels.models import MONEY_PLACES as PLACES
from reports import months, totals_sql
from reports.totals_sql import CONVERTED, converted_sql, rates_values


def aggregate_totals(
    by: str, first: date, last: date, rates: dict[tuple[str, date], Decimal], base: str
) -> list[tuple[Any, ...]]:
    """Rows of (key, orders, spend, refunds, sales, profit, with_sale, unconverted), one per
    group: the current months (a ragged one less its days outside the period), the other
    days and the change log not folded yet, in one statement (one snapshot: a fold running
    meanwhile is seen either before or after, never half; a month it touches stops being
    current in the same snapshot). `rates` cover the whole months at either end of the
    period (the days a ragged month is read less of)."""
    table, key = totals_sql.SOURCES[by]
    columns = totals_sql.day_columns(key)
    values, params = rates_values(rates)
    params.update(first=first, last=last, base=base, by=by)
    wanted = months.months_to_read(first, last) if by in months.MONTH_TABLES else []
    # The months to read as figures whose stamp matches the day table and the rates as they
    # are now; none wanted: an empty set of the same type.
    if wanted:
        want = ", ".join(f"(CAST(%(m{n})s AS DATE), %(h{n})s)" for n in range(len(wanted)))
        for n, month in enumerate(wanted):
            params.update({f"m{n}": month, f"h{n}": months.rates_digest(rates, month)})
        current = f"""SELECT s.month FROM {months.STAMP} s
            JOIN (VALUES {want}) AS w (month, rates) ON w.month = s.month AND w.rates = s.rates
            LEFT JOIN {months.VERSION} v ON v.month = s.month
            WHERE s.by = %(by)s AND s.base = %(base)s AND s.version = COALESCE(v.version, 0)"""  # noqa: S608
        month_rows = f"""UNION ALL SELECT {key} AS key, {", ".join(CONVERTED)}
            FROM {months.MONTH_TABLES.get(by, "")} WHERE month IN (SELECT month FROM good)"""  # noqa: S608
        params.update(
            month_first=first.replace(day=1), month_last=months.month_end(last.replace(day=1))
        )
    else:
        current = "SELECT CAST(NULL AS DATE) AS month WHERE false"
        month_rows = ""
        params.update(month_first=first, month_last=last)  # no day outside the period
    # Day by day (an index probe each): the period's days outside the months read as figures,
    # and, negated, the days of a ragged month read as figures that fall outside the period.
    sql = f"""
        WITH r (cur, day, rate) AS (VALUES {values}),
             good AS ({current}),
             days AS (SELECT CAST(d AS DATE) AS day
                      FROM generate_series(CAST(%(first)s AS DATE), CAST(%(last)s AS DATE),
                                           INTERVAL '1 day') AS d
                      WHERE CAST(date_trunc('month', d) AS DATE) NOT IN
                            (SELECT month FROM good)),
             outside AS (SELECT CAST(d AS DATE) AS day
                         FROM generate_series(CAST(%(month_first)s AS DATE),
                                              CAST(%(month_last)s AS DATE),
                                              INTERVAL '1 day') AS d
                         WHERE (d < %(first)s OR d > %(last)s)
                           AND CAST(date_trunc('month', d) AS DATE) IN
                               (SELECT month FROM good)),
             t AS (SELECT x.* FROM days CROSS JOIN LATERAL
                       (SELECT {columns} FROM {table} WHERE day = days.day OFFSET 0) AS x
                   UNION ALL
                   SELECT y.* FROM outside CROSS JOIN LATERAL
                       (SELECT {totals_sql.day_columns(key, sign="-")} FROM {table}
                        WHERE day = outside.day OFFSET 0) AS y
                   UNION ALL
                   SELECT {columns} FROM {totals_sql.CHANGE}
                   WHERE day BETWEEN %(first)s AND %(last)s),
             p AS ({converted_sql("t", key)} {month_rows})
        SELECT key,
               SUM(orders),
               ROUND(SUM(cost), {PLACES}),
               ROUND(SUM(refunds), {PLACES}),
               SUM(sales),
               CASE WHEN SUM(rated_sales) > 0 THEN ROUND(SUM(profit), {PLACES}) END,
               SUM(with_sale),
               SUM(unconverted)
        FROM p
        GROUP BY key
        HAVING SUM(orders) <> 0
    """  # noqa: S608 (names from totals_sql.SOURCES, values are placeholders)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()  # at once: row by row costs more than the query's sums
    return [(row[0], int(row[1]), *row[2:6], int(row[6]), int(row[7])) for row in rows]
