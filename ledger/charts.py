"""A panel's balance over time as SVG drawn on the server (no chart library, no JavaScript),
in the overview's chart style: the readings as a line, confirmed top-ups as marks, and the
intervals that do not add up shaded. The text (scale, times, legend) is HTML around it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.utils import timezone
from django.utils.formats import date_format

from core.charts import coordinate, nice_step, scale_text
from core.money import money_text
from ledger.models import BalanceCheck, TopUp
from panels.models import BalanceReading

WIDTH, HEIGHT = 300, 100
TICKS = 4
LABELS = 4  # moments written under the chart
SHORT_SPAN = 3600  # seconds: below this, the moments under the chart show seconds


@dataclass(frozen=True)
class Span:
    x: str
    width: str
    title: str


@dataclass(frozen=True)
class Mark:
    x: str
    title: str


@dataclass(frozen=True)
class BalanceChart:
    currency: str
    points: str  # the readings, as SVG polyline points
    flags: list[Span]
    top_ups: list[Mark]
    ticks: list[str]  # the scale, top to bottom
    gridlines: list[str]
    zero: str | None  # the zero line, when the balance went below it
    labels: list[str]  # moments under the chart, left to right
    low: str
    high: str


def _moment(at: datetime, *, seconds: bool = False) -> str:
    return date_format(timezone.localtime(at), "j M H:i:s" if seconds else "j M H:i")


def balance_chart(
    readings: Sequence[BalanceReading],
    checks: Sequence[BalanceCheck],
    top_ups: Sequence[TopUp],
) -> BalanceChart | None:
    """The chart of `readings` (oldest first); None with fewer than two."""
    if len(readings) < 2:
        return None
    first, last = readings[0].read_at, readings[-1].read_at
    span = (last - first).total_seconds() or 1.0
    # A round scale from zero (or below it, when the balance went negative) to the highest.
    lowest = min(min(r.amount for r in readings), Decimal(0))
    step = nice_step((max(r.amount for r in readings) - lowest) / TICKS)
    low = (lowest / step).to_integral_value(rounding=ROUND_FLOOR) * step
    high = low + step * TICKS

    def x(at: datetime) -> float:
        return (at - first).total_seconds() / span * WIDTH

    def y(amount: Decimal) -> float:
        return HEIGHT - float((amount - low) / (high - low)) * HEIGHT

    currency = readings[-1].currency
    unit = f" {currency}" if currency else ""
    flags = [
        Span(
            x=coordinate(x(c.started_at)),
            width=coordinate(max(x(c.ended_at) - x(c.started_at), 0.6)),
            title=f"{_moment(c.started_at)} – {_moment(c.ended_at)}: "
            f"{money_text(c.difference)}{unit} unexplained",
        )
        for c in checks
        if c.is_flagged and first <= c.started_at and c.ended_at <= last
    ]
    marks = [
        Mark(x=coordinate(x(t.at)), title=f"Top-up {_moment(t.at)}: {money_text(t.amount)}{unit}")
        for t in top_ups
        if t.state == TopUp.State.CONFIRMED and first <= t.at <= last
    ]
    moments = [first + (last - first) * k / (LABELS - 1) for k in range(LABELS)]
    return BalanceChart(
        currency=currency,
        points=" ".join(f"{coordinate(x(r.read_at))},{coordinate(y(r.amount))}" for r in readings),
        flags=flags,
        top_ups=marks,
        ticks=[scale_text(high - step * k, step) for k in range(TICKS + 1)],
        gridlines=[coordinate(HEIGHT * k / TICKS) for k in range(TICKS)],
        zero=coordinate(y(Decimal(0))) if low < 0 else None,
        # Readings minutes apart need their seconds to tell the moments apart.
        labels=[_moment(at, seconds=span < SHORT_SPAN) for at in moments],
        low=money_text(min(r.amount for r in readings)),
        high=money_text(max(r.amount for r in readings)),
    )
