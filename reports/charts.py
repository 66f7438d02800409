"""The report's chart: spend and sales per day, side by side, in the base currency (SVG drawn
on the server, styled like the overview's spend chart)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.formats import date_format

from core.charts import Bar, coordinate, nice_step, scale_text
from core.money import money_text
from reports.selectors import MoneyReport

SLOT, HEIGHT, TICKS = 10, 100, 4
SERIES = (("spend", "Spend", 0), ("sales", "Sales", 1))


@dataclass(frozen=True)
class DayChart:
    width: int
    bars: list[Bar]
    ticks: list[str]
    gridlines: list[str]
    days: list[str]  # the first, the middle and the last day, spread under the plot


def day_chart(report: MoneyReport) -> DayChart | None:
    """None unless the report is by day and has something to draw."""
    if report.by != "day" or not report.rows:
        return None
    figures = {date.fromisoformat(row.key): row.figures for row in report.rows}
    count = (report.last - report.first).days + 1
    peak = max(max(f.spend, f.sales) for f in figures.values())
    step = nice_step(peak / TICKS)
    top = step * TICKS
    bar = SLOT * 0.4
    bars = []
    for n in range(count):
        day = report.first + timedelta(days=n)
        shown = figures.get(day)
        if shown is None:
            continue
        for offset, (name, label, series) in enumerate(SERIES):
            amount: Decimal = getattr(shown, name)
            if amount <= 0:
                continue
            height = max(float(amount / top) * HEIGHT, 0.6)
            bars.append(
                Bar(
                    x=coordinate(n * SLOT + SLOT * 0.1 + offset * bar),
                    y=coordinate(HEIGHT - height),
                    width=coordinate(bar),
                    height=coordinate(height),
                    series=series,
                    title=f"{label} · {date_format(day, 'j M')}: "
                    f"{money_text(amount)} {report.base}",
                )
            )
    return DayChart(
        width=count * SLOT,
        bars=bars,
        ticks=[scale_text(step * k, step) for k in range(TICKS, -1, -1)],
        gridlines=[coordinate(HEIGHT - HEIGHT * k / TICKS) for k in range(1, TICKS + 1)],
        days=[
            date_format(report.first + timedelta(days=n), "j M")
            for n in sorted({0, (count - 1) // 2, count - 1})
        ],
    )
