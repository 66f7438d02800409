"""Reading one report twice, from the totals and summed from the orders, to compare."""

from __future__ import annotations

from datetime import date

from reports.selectors import money_report


def figures(by: str, first: date, last: date, *, from_totals: bool) -> list[tuple]:
    """Every row of the report and its totals, to the last digit: each side sums exactly at
    the same rates and rounds once, at the money columns' places."""
    report = money_report(by=by, first=first, last=last, from_totals=from_totals, limit=None)
    rows = [(row.key, row.figures) for row in report.rows] + [("all", report.totals)]
    return [
        (key, f.orders, f.spend, f.refunds, f.sales, f.profit, f.with_sale, f.unconverted)
        for key, f in rows
    ]
