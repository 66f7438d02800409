"""A report's groups read from the day totals (reports/models.py) instead of the orders: the
same rows as reports.selectors._aggregate gives, from a few thousand rows a year."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection

from panels.models import MONEY_PLACES as PLACES
from reports import totals_sql

# Per dimension: the day table that holds it and the column it is grouped by.
SOURCES = {
    "day": ("reports_paneldaytotal", "day"),
    "panel": ("reports_paneldaytotal", "panel_id"),
    "service": ("reports_servicedaytotal", "service_id"),
    "customer": ("reports_customerdaytotal", "customer_ref"),
}


def aggregate_totals(
    by: str, first: date, last: date, rates: dict[tuple[str, date], Decimal], base: str
) -> list[tuple[Any, ...]]:
    """Rows of (key, orders, spend, refunds, sales, profit, with_sale, unconverted), one per
    group: the day table plus the change log not folded yet, in one statement (one snapshot:
    a fold running meanwhile is seen either before or after, never half)."""
    table, key = SOURCES[by]
    columns = ", ".join(dict.fromkeys(("day", key, "currency", *totals_sql.SUMS)))
    empty = "(CAST(NULL AS VARCHAR(3)), CAST(NULL AS DATE), CAST(NULL AS NUMERIC))"
    values = ", ".join(["(%s, %s, %s)"] * len(rates)) or empty
    rate_params: list[Any] = [v for (cur, day), rate in rates.items() for v in (cur, day, rate)]
    # Converted sums are carried at the money columns' 12 places, not the 39 a product with
    # a 28-digit rate has (reading those back costs more than the sums themselves).
    # Each row's rate once (OFFSET 0 keeps the planner from copying the CASE into every sum):
    # the base currency at 1 whatever the day, the others at their day's rate, or NULL.
    # Profit over the rows with a sale price and a rate; none such: NULL, not zero.
    sql = f"""
        WITH r (cur, day, rate) AS (VALUES {values}),
             t AS (SELECT {columns} FROM {table} WHERE day BETWEEN %s AND %s
                   UNION ALL
                   SELECT {columns} FROM {totals_sql.CHANGE} WHERE day BETWEEN %s AND %s),
             c AS (SELECT t.{key} AS key, t.orders, t.cost, t.refunds, t.sales, t.with_sale,
                          t.cost_with_sale,
                          CASE WHEN t.currency = %s THEN 1 ELSE r.rate END AS rate
                   FROM t LEFT JOIN r ON r.cur = t.currency AND r.day = t.day OFFSET 0)
        SELECT key,
               SUM(orders),
               ROUND(SUM(cost * rate), {PLACES}),
               ROUND(SUM(refunds * rate), {PLACES}),
               SUM(sales),
               CASE WHEN SUM(CASE WHEN rate IS NOT NULL THEN with_sale ELSE 0 END) > 0
                    THEN ROUND(SUM(sales - cost_with_sale * rate), {PLACES}) END,
               SUM(with_sale),
               SUM(CASE WHEN rate IS NULL THEN orders ELSE 0 END)
        FROM c
        GROUP BY key
        HAVING SUM(orders) <> 0
    """  # noqa: S608 (table and column names come from SOURCES, values are placeholders)
    params = [*rate_params, first, last, first, last, base]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()  # at once: row by row costs more than the query's sums
    return [(row[0], int(row[1]), *row[2:6], int(row[6]), int(row[7])) for row in rows]
