"""The overview's figures: placed orders by status, and spend per panel per day as SVG
drawn on the server (no chart library, no JavaScript)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format

from core.charts import Bar, coordinate, nice_step, scale_text
from core.counting import ShownCount
from core.money import converted_amount, money_text
from currency.conversion import rates_note
from orders.models import STATUS_CHOICES
from overview import selectors

# The SVG's own units: one slot of SLOT wide per day, HEIGHT tall. It is stretched to the
# page's width; the text (scale, days, legend) is HTML around it, so it never stretches.
SLOT, BAR, HEIGHT = 10, 7, 100
SERIES_COLOURS = 8  # .series-0 ... .series-7 in app.css; more panels than that share colours
TICKS = 4  # the scale: 0 and four steps of a round size


@dataclass(frozen=True)
class StatusCount(ShownCount):
    status: str
    label: str
    count: int  # past COUNT_CAP (core.counting): more than COUNT_CAP
    href: str  # the order list showing them, or "" before it exists


def placed_statuses(counts: dict[str, int]) -> list[StatusCount]:
    """Placed orders per panel status, in the statuses' own order; those without one yet
    first ("Awaiting status")."""
    try:
        list_url = reverse("orders:list")
    except NoReverseMatch:
        list_url = ""

    def href(status: str) -> str:
        if not list_url or not status:
            return ""
        return f"{list_url}?{urlencode({'state': 'placed', 'status': status})}"

    items = []
    if counts.get(""):
        items.append(StatusCount("", "Awaiting status", counts[""], href("")))
    for status, label in STATUS_CHOICES:
        if counts.get(status):
            items.append(StatusCount(status, label, counts[status], href(status)))
    return items


@dataclass(frozen=True)
class ChartSeries:
    name: str
    series: int
    total: str


@dataclass(frozen=True)
class ChartDay:
    label: str  # "" for the days without a label under them
    iso: str


@dataclass(frozen=True)
class ChartRow:
    day: str
    panel: str
    amount: str


@dataclass(frozen=True)
class SpendChart:
    """Spend per day of one currency, stacked per panel."""

    currency: str
    total: str
    peak: str
    bars: list[Bar]
    legend: list[ChartSeries]
    ticks: list[str]  # the scale, top to bottom
    gridlines: list[str]  # y of each step of the scale
    days: list[ChartDay]
    rows: list[ChartRow]  # the numbers behind the bars, newest first
    # Converted spend: the rates' days; spend left in its own currency: why (the first few).
    note: str = ""
    problems: tuple[str, ...] = ()


def spend_charts(
    daily: list[selectors.DailySpend],
    panels: list[selectors.PanelCard],
    *,
    today: date,
    days: int,
    base: str = "",
) -> list[SpendChart]:
    """One chart per currency: a bar per day, stacked per panel, over the last `days` days.
    Spend converted to the base currency (overview.in_base) shares the base's chart, which
    comes first and says which rates' days it used; spend that could not be converted keeps
    a chart in its own currency that says why."""
    names = {card.panel.pk: card.panel.name for card in panels}
    order = sorted(names, key=lambda pk: (names[pk].casefold(), pk))
    series = {pk: n % SERIES_COLOURS for n, pk in enumerate(order)}
    first = today - timedelta(days=days - 1)
    # Each day's name formatted once, not for every bar and row that shows it: a call looks
    # the format up and translates the month's name each time.
    shown_days = [first + timedelta(days=n) for n in range(days)]
    short = {day: date_format(day, "j M") for day in shown_days}
    long = {day: date_format(day, "j M Y") for day in shown_days}
    by_currency: dict[str, list[selectors.DailySpend]] = defaultdict(list)
    for entry in daily:
        if first <= entry.day <= today and entry.amount:
            by_currency[entry.currency].append(entry)
    charts = []
    for currency in sorted(by_currency, key=lambda code: (code != base, code)):
        entries = by_currency[currency]
        # Converted money is rounded for display (a rate's division leaves 28 digits).
        converting = any(entry.rate_day for entry in entries)

        def shown(value: Decimal, converting: bool = converting) -> str:
            return money_text(converted_amount(value) if converting else value)

        billed: dict[tuple[date, int], list[str]] = defaultdict(list)
        for entry in entries:
            if entry.billed:
                billed[(entry.day, entry.panel_id)].append(entry.billed)
        per_day: dict[date, dict[int, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        per_panel: dict[int, Decimal] = defaultdict(Decimal)
        for entry in entries:
            per_day[entry.day][entry.panel_id] += entry.amount
            per_panel[entry.panel_id] += entry.amount
        peak = max(sum(amounts.values(), Decimal(0)) for amounts in per_day.values())
        step = nice_step(peak / TICKS)
        top = step * TICKS
        stacking = sorted(per_panel, key=lambda pk: order.index(pk) if pk in names else pk)
        unit = f" {currency}" if currency else ""
        bars = []
        for n in range(days):
            day = first + timedelta(days=n)
            bottom = Decimal(0)
            for pk in stacking:
                amount = per_day.get(day, {}).get(pk)
                if not amount:
                    continue
                height = max(float(amount / top) * HEIGHT, 0.6)
                y = HEIGHT - float(bottom / top) * HEIGHT - height
                bottom += amount
                bars.append(
                    Bar(
                        x=coordinate(n * SLOT + (SLOT - BAR) / 2),
                        y=coordinate(y),
                        width=str(BAR),
                        height=coordinate(height),
                        series=series.get(pk, 0),
                        title=f"{names.get(pk, 'Panel')} · {short[day]}: "
                        f"{shown(amount)}{unit}{_billed(billed.get((day, pk)))}",
                    )
                )
        charts.append(
            SpendChart(
                currency=currency,
                total=shown(sum(per_panel.values(), Decimal(0))),
                peak=shown(peak),
                bars=bars,
                legend=[
                    ChartSeries(names.get(pk, "Panel"), series.get(pk, 0), shown(per_panel[pk]))
                    for pk in stacking
                ],
                ticks=[scale_text(step * k, step) for k in range(TICKS, -1, -1)],
                gridlines=[coordinate(HEIGHT - HEIGHT * k / TICKS) for k in range(1, TICKS + 1)],
                days=[
                    ChartDay(
                        label=short[day] if (days - 1 - n) % 7 == 0 else "", iso=day.isoformat()
                    )
                    for n, day in enumerate(shown_days)
                ],
                rows=[
                    ChartRow(long[day], names.get(pk, "Panel"), shown(amount))
                    for day in sorted(per_day, reverse=True)
                    for pk in stacking
                    if (amount := per_day[day].get(pk))
                ],
                note=rates_note(e.rate_day for e in entries if e.rate_day),
                problems=tuple(dict.fromkeys(e.problem for e in entries if e.problem))[:3],
            )
        )
    return charts


def _billed(parts: list[str] | None) -> str:
    return f" (billed {', '.join(parts)})" if parts else ""
