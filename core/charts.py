"""What every server-drawn SVG chart needs: a round scale and short coordinates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Bar:
    """One bar of an SVG bar chart, in the chart's own units, with its hover text."""

    x: str
    y: str
    width: str
    height: str
    series: int  # the colour: .series-<n> in app.css
    title: str


def coordinate(value: float) -> str:
    """12.50 -> "12.5", 50.00 -> "50": short SVG numbers."""
    return f"{value:.2f}".rstrip("0").rstrip(".") or "0"


def nice_step(value: Decimal) -> Decimal:
    """The smallest of 1, 2, 5 × 10^n that is at least `value`: a round size for a scale step."""
    if value <= 0:
        return Decimal(1)
    base = Decimal(1).scaleb(value.adjusted())
    for multiple in (1, 2, 5, 10):
        if base * multiple >= value:
            return base * multiple
    return base * 10  # pragma: no cover (10 × base always is)


def scale_text(value: Decimal, step: Decimal) -> str:
    """A scale label with as many decimals as the step needs: 2,500 / 0.25."""
    exponent = step.normalize().as_tuple().exponent
    places = max(0, -exponent) if isinstance(exponent, int) else 0
    return f"{value:,.{places}f}"
