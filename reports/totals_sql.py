"""The SQL that keeps the day totals (reports/models.py): PostgreSQL only.

An order's contribution mirrors orders/cost_sql.py (cost = COALESCE(charge, estimated_cost, 0)
− COALESCE(refund, 0)); tests/reports/test_totals.py checks, over random writes, that reports
from the totals equal reports from the orders.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

FOLD_LOCK = 0x7265706F72747331  # pg advisory lock key: one fold at a time ("reports1")
CHANGE = "reports_totalschange"
STATE = "reports_totalsstate"
# The day tables and the column that keys each, beside the day and the currency.
DAY_TABLES = {
    "reports_paneldaytotal": "panel_id",
    "reports_servicedaytotal": "service_id",
    "reports_customerdaytotal": "customer_ref",
}
MONTH_VERSION = "reports_monthversion"
# What the converted months (reports/months.py) are kept in.
MONTH_CACHE = (MONTH_VERSION, "reports_monthstamp", "reports_servicemonth", "reports_customermonth")
# Per dimension: the day table that holds it and the column it is grouped by.
SOURCES = {
    "day": ("reports_paneldaytotal", "day"),
    "panel": ("reports_paneldaytotal", "panel_id"),
    "service": ("reports_servicedaytotal", "service_id"),
    "customer": ("reports_customerdaytotal", "customer_ref"),
}


SUMS = ("orders", "cost", "refunds", "sales", "with_sale", "cost_with_sale")
KEY = ("day", "panel_id", "service_id", "customer_ref", "currency")
_COLUMNS = ", ".join((*KEY, *SUMS))


def day_columns(key: str, *, sign: str = "") -> str:
    """The columns a report reads of a day table (or the change log) keyed by `key`; with
    `sign` '-', the sums negated (days taken off a month's figures)."""
    sums = (f"{sign}{name} AS {name}" if sign else name for name in SUMS)
    return ", ".join(dict.fromkeys(("day", key, "currency", *sums)))


def _contribution(row: str, sign: str, currency: str, zone: str = "zone") -> str:
    """A change row's values (the columns of KEY and SUMS, in order) for the order `row`,
    `sign` '+' or '-', in `currency`, its day in `zone` (the trigger's variable by default)."""
    cost = f"(COALESCE({row}.charge, {row}.estimated_cost, 0) - COALESCE({row}.refund, 0))"
    sold = f"{row}.sale_price IS NOT NULL"
    return f"""({row}.created_at AT TIME ZONE {zone})::date, {row}.panel_id, {row}.service_id,
        {row}.customer_ref, {currency},
        {sign}1, {sign}{cost}, {sign}COALESCE({row}.refund, 0), {sign}COALESCE({row}.sale_price, 0),
        CASE WHEN {sold} THEN {sign}1 ELSE 0 END, CASE WHEN {sold} THEN {sign}{cost} ELSE 0 END"""


def _log(row: str, sign: str) -> str:
    """PL/pgSQL: log the order `row`'s contribution. An order without a currency counts in its
    panel's; the panel row is share-locked while it is read, so a concurrent change of the
    panel's currency either waits for this write (and then moves it) or is seen by it."""
    return f"""
        cur := NULLIF({row}.currency, '');
        IF cur IS NULL THEN
            SELECT p.currency INTO cur FROM panels_panel p WHERE p.id = {row}.panel_id FOR SHARE;
        END IF;
        INSERT INTO {CHANGE} ({_COLUMNS})
            VALUES ({_contribution(row, sign, "COALESCE(cur, '')")});"""  # noqa: S608 (names from this module)


# Only placed orders were bought: the old contribution leaves, the new one comes in.
CREATE_TRIGGER = f"""
CREATE OR REPLACE FUNCTION reports_order_totals() RETURNS trigger AS $$
DECLARE zone text; cur text;
BEGIN
    SELECT s.zone INTO zone FROM {STATE} s ORDER BY s.id LIMIT 1;
    IF zone IS NULL THEN
        RETURN NULL;  -- no totals kept yet: the rebuild reads the orders themselves
    END IF;
    IF TG_OP <> 'INSERT' AND OLD.state = 'placed' THEN {_log("OLD", "-")}
    END IF;
    IF TG_OP <> 'DELETE' AND NEW.state = 'placed' THEN {_log("NEW", "")}
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A panel's new currency moves its orders that have none of their own.
CREATE OR REPLACE FUNCTION reports_panel_currency() RETURNS trigger AS $$
DECLARE zone text;
BEGIN
    SELECT s.zone INTO zone FROM {STATE} s ORDER BY s.id LIMIT 1;
    IF zone IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO {CHANGE} ({_COLUMNS})
        SELECT {_contribution("o", "-", "OLD.currency")}
        FROM orders_order o WHERE o.panel_id = NEW.id AND o.state = 'placed' AND o.currency = ''
        UNION ALL
        SELECT {_contribution("o", "", "NEW.currency")}
        FROM orders_order o WHERE o.panel_id = NEW.id AND o.state = 'placed' AND o.currency = '';
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS reports_panel_currency ON panels_panel;
CREATE TRIGGER reports_panel_currency AFTER UPDATE ON panels_panel
    FOR EACH ROW WHEN (OLD.currency IS DISTINCT FROM NEW.currency)
    EXECUTE FUNCTION reports_panel_currency();

DROP TRIGGER IF EXISTS reports_order_totals_insert ON orders_order;
CREATE TRIGGER reports_order_totals_insert AFTER INSERT ON orders_order
    FOR EACH ROW WHEN (NEW.state = 'placed') EXECUTE FUNCTION reports_order_totals();
DROP TRIGGER IF EXISTS reports_order_totals_delete ON orders_order;
CREATE TRIGGER reports_order_totals_delete AFTER DELETE ON orders_order
    FOR EACH ROW WHEN (OLD.state = 'placed') EXECUTE FUNCTION reports_order_totals();

-- A save writes every column: only an update that changes what a placed order counts for
-- writes a change (a status sync touching nothing but statuses writes none).
DROP TRIGGER IF EXISTS reports_order_totals_update ON orders_order;
CREATE TRIGGER reports_order_totals_update AFTER UPDATE ON orders_order
    FOR EACH ROW WHEN (
        (OLD.state = 'placed' OR NEW.state = 'placed') AND (
            OLD.state IS DISTINCT FROM NEW.state
            OR OLD.charge IS DISTINCT FROM NEW.charge
            OR OLD.estimated_cost IS DISTINCT FROM NEW.estimated_cost
            OR OLD.refund IS DISTINCT FROM NEW.refund
            OR OLD.sale_price IS DISTINCT FROM NEW.sale_price
            OR OLD.currency IS DISTINCT FROM NEW.currency
            OR OLD.customer_ref IS DISTINCT FROM NEW.customer_ref
            OR OLD.created_at IS DISTINCT FROM NEW.created_at
            OR OLD.panel_id IS DISTINCT FROM NEW.panel_id
            OR OLD.service_id IS DISTINCT FROM NEW.service_id))
    EXECUTE FUNCTION reports_order_totals();
"""  # noqa: S608 (names from this module)

DROP_TRIGGER = """
DROP TRIGGER IF EXISTS reports_order_totals_insert ON orders_order;
DROP TRIGGER IF EXISTS reports_order_totals_delete ON orders_order;
DROP TRIGGER IF EXISTS reports_order_totals_update ON orders_order;
DROP FUNCTION IF EXISTS reports_order_totals();
DROP TRIGGER IF EXISTS reports_panel_currency ON panels_panel;
DROP FUNCTION IF EXISTS reports_panel_currency();
"""


def _add_into(table: str, column: str, source: str) -> str:
    """INSERT the rows of `source` summed per key into `table`, adding to rows already there."""
    key = f"day, {column}, currency"
    sums = ", ".join(f"SUM({name})" for name in SUMS)
    added = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in SUMS)
    return f"""INSERT INTO {table} ({key}, {", ".join(SUMS)})
        SELECT {key}, {sums} FROM {source} GROUP BY {key} ORDER BY {key}
        ON CONFLICT ({key}) DO UPDATE SET {added}"""  # noqa: S608 (names from this module)


def fold_sql() -> str:
    """One statement: take the change rows up to %(upto)s off the log and add them to every day
    table. Run twice at once, the second finds the rows gone (deleted rows are not returned)."""
    parts = [f"moved AS (DELETE FROM {CHANGE} WHERE id <= %(upto)s RETURNING *)"]  # noqa: S608
    for n, (table, column) in enumerate(DAY_TABLES.items()):
        parts.append(f"add{n} AS ({_add_into(table, column, 'moved')} RETURNING 1)")
    # Every month whose days change is no longer what its converted figures were built from.
    parts.append(f"""bump AS (INSERT INTO {MONTH_VERSION} (month, version)
        SELECT DISTINCT CAST(date_trunc('month', day) AS DATE), 1 FROM moved
        ON CONFLICT (month) DO UPDATE SET version = {MONTH_VERSION}.version + 1 RETURNING 1)""")  # noqa: S608
    return f"WITH {', '.join(parts)} SELECT count(*) FROM moved"  # noqa: S608


# After a fold, rows that every change cancelled out (an order moved to another day, say).
DROP_EMPTY = [f"DELETE FROM {table} WHERE orders = 0" for table in DAY_TABLES]  # noqa: S608


def rebuild_sql(*, months: bool = True) -> list[str]:
    """Statements that recount every day table from the orders, in %(zone)s (and empty the
    converted months, unless `months` is False: migrations before they existed)."""
    # Every placed order's contribution, as the trigger logs it.
    currency = "COALESCE(NULLIF(o.currency, ''), p.currency)"
    orders = f"""(SELECT {_contribution("o", "", currency, zone="%(zone)s")}
        FROM orders_order o JOIN panels_panel p ON p.id = o.panel_id
        WHERE o.state = 'placed') AS placed ({_COLUMNS})"""  # noqa: S608 (names from this module)
    # The state table is locked first: a writer whose trigger has read the zone finishes
    # before the rebuild goes on, and a later one waits for the new zone. Then the log is
    # emptied: every write after that is in the log and not in the orders counted below.
    statements = [f"LOCK TABLE {STATE} IN ACCESS EXCLUSIVE MODE", f"TRUNCATE {CHANGE}"]
    statements += [f"TRUNCATE {table}" for table in DAY_TABLES]
    # The months' figures were built from the old days: none is current any more.
    statements += [f"TRUNCATE {table}" for table in MONTH_CACHE if months]
    statements += [_add_into(table, column, orders) for table, column in DAY_TABLES.items()]
    return statements


# The converted columns a group's sums are taken over, from days (converted_sql) and from
# months (reports.models.MonthFigures) alike.
CONVERTED = (
    "orders",
    "cost",
    "refunds",
    "sales",
    "profit",
    "rated_sales",
    "with_sale",
    "unconverted",
)


def rates_values(rates: dict[tuple[str, date], Decimal]) -> tuple[str, dict[str, Any]]:
    """SQL VALUES rows (cur, day, rate) for `rates`, and their named parameters."""
    if not rates:
        return "(CAST(NULL AS VARCHAR(3)), CAST(NULL AS DATE), CAST(NULL AS NUMERIC))", {}
    rows, params = [], {}
    for n, ((cur, day), rate) in enumerate(rates.items()):
        rows.append(f"(%(c{n})s, %(d{n})s, %(r{n})s)")
        params.update({f"c{n}": cur, f"d{n}": day, f"r{n}": rate})
    return ", ".join(rows), params


def converted_sql(source: str, key: str) -> str:
    """SELECT over the day rows `source` (a CTE with day, currency, `key` and the sums) joined
    to the rates CTE `r`: each row's CONVERTED columns, in the base currency (%(base)s).

    A row's rate once (OFFSET 0 keeps the planner from copying the CASE into every column):
    the base currency at 1 whatever the day, the others at their day's rate, or NULL. Without
    a rate, the row's cost and profit are NULL (left out of their sums) and its orders count
    as unconverted; profit only over the rows with a sale price."""
    return f"""
        SELECT key, orders, cost * rate AS cost, refunds * rate AS refunds, sales,
               sales - cost_with_sale * rate AS profit,
               CASE WHEN rate IS NOT NULL THEN with_sale ELSE 0 END AS rated_sales,
               with_sale,
               CASE WHEN rate IS NULL THEN orders ELSE 0 END AS unconverted
        FROM (SELECT s.{key} AS key, s.orders, s.cost, s.refunds, s.sales, s.with_sale,
                     s.cost_with_sale,
                     CASE WHEN s.currency = %(base)s THEN 1 ELSE r.rate END AS rate
              FROM {source} s LEFT JOIN r ON r.cur = s.currency AND r.day = s.day
              OFFSET 0) AS c"""  # noqa: S608 (names from SOURCES)
