"""Reading one report twice, from the totals and summed from the orders, to compare."""

from __future__ import annotations

from datetime import date

from reports.selectors import money_report


def figures(by: str, first: date, last: date, *, from_totals: bool) -> list[tuple]:
    """Every row of the report and its totals, rounded far below a cent (each side converts
    at the same rates, summed in a different order)."""
    report = money_report(by=by, first=first, last=last, from_totals=from_totals, limit=None)
    rows = [(row.key, row.figures) for row in report.rows] + [("all", report.totals)]
    return [
        (key, f.orders, *(round(v, 9) if v is not None else None for v in
                          (f.spend, f.refunds, f.sales, f.profit)), f.with_sale, f.unconverted)
        for key, f in rows
    ]  # fmt: skip
