"""How catalog data reads on a page: table rows, offers, change sentences, the rate chart.

Shared by the catalog pages and the overview; no request handling here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from core.money import converted_amount, money, money_text
from currency.conversion import Converter, rates_note
from panels.api.order_types import FLAT, ORDER_TYPES
from panels.matching import CurrencyGroup, Offer
from panels.models import CatalogEvent, Service

DETAIL_NAMES = {
    "min_quantity": "min",
    "max_quantity": "max",
    "refill_days": "refill days",
    "dripfeed": "drip-feed",
}


def per_unit(type_key: str) -> str:
    order_type = ORDER_TYPES.get(type_key)
    return "per package" if order_type and order_type.pricing == FLAT else "per 1000"


@dataclass(frozen=True)
class ServiceRow:
    service: Service
    rate: str
    per_unit: str
    type_label: str
    in_base: InBase | None = None  # the rate in the base currency, priced in another one


def service_row(service: Service) -> ServiceRow:
    order_type = ORDER_TYPES.get(service.type)
    return ServiceRow(
        service=service,
        rate=money_text(service.rate),
        per_unit=per_unit(service.type),
        type_label=order_type.label if order_type else service.type,
    )


@dataclass(frozen=True)
class OfferRow:
    offer: Offer
    rate: str
    diff: str  # "−0.15" / "+0.05" / "same price"; "" in another currency than this service
    percent: str  # "−16.67%" or ""
    amount: str  # the difference without its sign: "0.15"; "" in another currency
    percent_amount: str  # "16.67%", or "" when this service is free
    per_unit: str
    differs: frozenset[str]  # the fields that are not as on this service
    is_cheapest: bool  # the cheapest of its currency (this service counted in its own)
    in_base: InBase | None = None  # set for offers priced in another than the base currency
    vs_this_in_base: str = ""  # "−0.12 USD": against this service, both in the base currency


def offer_row(offer: Offer, group: CurrencyGroup) -> OfferRow:
    diff = offer.rate_diff
    return OfferRow(
        offer=offer,
        rate=money_text(offer.facts.rate),
        diff=signed_money(diff) if diff is not None else "",
        percent=signed_percent(offer.rate_diff_percent),
        amount=money_text(abs(diff)) if diff is not None else "",
        percent_amount=(
            f"{abs(offer.rate_diff_percent)}%" if offer.rate_diff_percent is not None else ""
        ),
        per_unit=per_unit(offer.facts.type),
        differs=frozenset(d.field for d in offer.differences),
        is_cheapest=group.is_cheapest(offer.facts.rate),
    )


@dataclass(frozen=True)
class InBase:
    """A rate read in the base currency, or why it cannot be."""

    value: Decimal | None
    text: str  # "1.26 USD", or "" when it cannot be read in the base currency
    note: str  # "Converted from 1.05 EUR at the 2026-12-04 rate"; "" when not converted
    rate_day: date | None = None
    problem: str = ""  # why it cannot be read in the base currency

    @property
    def converted(self) -> bool:
        return self.rate_day is not None


def rate_in_base(rate: Decimal, currency: str, converter: Converter, day: date) -> InBase:
    found = converter.to_base(rate, currency, day)
    if found.amount is None:
        return InBase(None, "", "", problem=found.problem)
    text = money(converted_amount(found.amount), converter.base)
    if found.rate_day is None:
        return InBase(found.amount, text, "")
    note = f"Converted from {money(rate, currency)} at the {found.rate_day:%Y-%m-%d} rate"
    return InBase(found.amount, text, note, found.rate_day)


@dataclass(frozen=True)
class OfferGroup:
    """One currency's offers as the comparison lays them out."""

    currency: str
    rows: list[OfferRow]
    panels: int  # how many panels sell it in this currency
    in_base: bool = False  # priced in another than the base currency: rows read in the base
    compared_in_base: bool = False  # another currency than this service's, compared in the base
    rates_note: str = ""  # "at the 2026-12-04 rate" of the rows converted

    @property
    def converted_rows(self) -> int:
        return sum(1 for row in self.rows if row.in_base and row.in_base.converted)


def offer_groups(
    groups: list[CurrencyGroup],
    *,
    converter: Converter | None = None,
    day: date | None = None,
    target: InBase | None = None,
) -> list[OfferGroup]:
    """Each currency's offers. With a converter, the rates of a currency other than the base
    are also read in the base currency at `day`'s rate, and the groups in another currency
    than this service's are compared with `target` (its rate in the base currency) there."""
    found = []
    for group in groups:
        rows = [offer_row(offer, group) for offer in group.offers]
        extra: dict[str, Any] = {}
        if converter is not None and day is not None:
            compare = not group.is_target and target is not None and target.value is not None
            rows = [_row_in_base(row, converter, day, target if compare else None) for row in rows]
            days = sorted(
                {row.in_base.rate_day for row in rows if row.in_base and row.in_base.rate_day}
            )
            extra = {
                "in_base": group.currency != converter.base,
                "compared_in_base": compare,
                "rates_note": rates_note(days),
            }
        found.append(
            OfferGroup(
                group.currency,
                rows,
                len({offer.facts.panel_id for offer in group.offers}),
                **extra,
            )
        )
    return found


def _row_in_base(row: OfferRow, converter: Converter, day: date, target: InBase | None) -> OfferRow:
    facts = row.offer.facts
    in_base = rate_in_base(facts.rate, facts.currency, converter, day)
    vs_this = ""
    if in_base.value is not None and target is not None and target.value is not None:
        diff = converted_amount(in_base.value - target.value) or Decimal(0)
        vs_this = f"{signed_money(diff)} {converter.base}" if diff else "same price"
    return replace(row, in_base=in_base, vs_this_in_base=vs_this)


def service_rows(services: list[Service], *, day: date) -> list[ServiceRow]:
    """The catalog browser's rows; a rate in another than the base currency is also read in
    the base currency at `day`'s rate (two queries for the page: base currency, rates)."""
    converter = Converter()
    converter.prime({service.panel.currency for service in services}, day, day)
    rows = []
    for service in services:
        row = service_row(service)
        if service.panel.currency != converter.base:
            in_base = rate_in_base(service.rate, service.panel.currency, converter, day)
            row = replace(row, in_base=in_base)
        rows.append(row)
    return rows


def comparison_in_base(
    service: Service, groups: list[CurrencyGroup], *, day: date
) -> tuple[list[OfferGroup], InBase, str]:
    """The comparison's groups with rates in the base currency, and this service's rate in
    it. Two queries: the base currency and every rate of the day (Converter.prime)."""
    converter = Converter()
    converter.prime([service.panel.currency, *(group.currency for group in groups)], day, day)
    target = rate_in_base(service.rate, service.panel.currency, converter, day)
    found = offer_groups(groups, converter=converter, day=day, target=target)
    return found, target, converter.base


def signed_money(value: Decimal) -> str:
    if not value:
        return "same price"
    return ("+" if value > 0 else "−") + money_text(abs(value))


def signed_percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    if not value:
        return "0%"
    return f"{'+' if value > 0 else '−'}{abs(value)}%"


@dataclass(frozen=True)
class ChangeLine:
    """One catalog event as words: "<panel> <verb> <service><tail>", or `summary` alone."""

    event: CatalogEvent
    label: str  # "Price up", "Removed"...: the kind of change, short
    verb: str  # "raised", "lowered", "added", "removed", "brought back", "changed"
    tail: str  # " from 0.90 to 1.20 USD", " at 0.90 USD", ": min 50 → 100"
    summary: str  # "Price raised from 0.90 to 1.20 USD", for the service's own history
    percent: str = ""  # "+33.33%" for price changes
    tone: str = "neutral"  # "bad", "good", "neutral": how it reads for someone buying

    @property
    def is_rise(self) -> bool:
        return self.verb == "raised"


def change_line(event: CatalogEvent) -> ChangeLine:
    currency = f" {event.panel.currency}" if event.panel.currency else ""
    old, new = money_text(event.old_rate), money_text(event.new_rate)
    kind = CatalogEvent.Kind
    if event.kind == kind.RATE_CHANGED:
        rose = (event.new_rate or 0) > (event.old_rate or 0)
        verb = "raised" if rose else "lowered"
        tail = f" from {old} to {new}{currency}"
        percent = ""
        if event.rate_change is not None:
            percent = signed_percent((event.rate_change * 100).quantize(Decimal("0.01")))
        return ChangeLine(
            event,
            "Price up" if rose else "Price down",
            verb,
            tail,
            f"Price {verb}{tail}",
            percent,
            "bad" if rose else "good",
        )
    if event.kind == kind.ADDED:
        tail = f" at {new}{currency}"
        return ChangeLine(event, "New", "added", tail, f"Added{tail}")
    if event.kind == kind.REMOVED:
        tail = f" (was {old}{currency})" if event.old_rate is not None else ""
        return ChangeLine(event, "Removed", "removed", tail, f"No longer listed{tail}", tone="bad")
    if event.kind == kind.REACTIVATED:
        tail = f" at {new}{currency}"
        return ChangeLine(event, "Back", "brought back", tail, f"Listed again{tail}")
    details = event.details if isinstance(event.details, dict) else {}
    changes = ", ".join(_detail_text(field, values) for field, values in details.items())
    tail = f": {changes}" if changes else ""
    if event.kind == kind.LIMITS_CHANGED:
        return ChangeLine(event, "Min/max", "changed", tail, f"Changed limits{tail}")
    return ChangeLine(event, "Options", "changed", tail, f"Changed options{tail}")


def _detail_text(field: str, values: Any) -> str:
    name = DETAIL_NAMES.get(field, field.replace("_", " "))
    try:
        before, after = values
    except (TypeError, ValueError):
        return name
    return f"{name} {_value_text(before)} → {_value_text(after)}"


def _value_text(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def change_lines(events: list[CatalogEvent]) -> list[ChangeLine]:
    return [change_line(event) for event in events]


@dataclass(frozen=True)
class RateChart:
    points: str  # SVG polyline points in a 300 x 60 box
    high: str
    low: str


def rate_chart(service: Service, history: list[CatalogEvent]) -> RateChart | None:
    """The rate over time as a step line, from the first sighting to now; None when the price
    never changed."""
    changes = [
        e
        for e in history
        if e.kind == CatalogEvent.Kind.RATE_CHANGED
        and e.old_rate is not None
        and e.new_rate is not None
    ]
    if not changes:
        return None
    start = min(service.first_seen_at, changes[0].created_at)
    seconds = max((timezone.now() - start).total_seconds(), 1.0)
    rates = [changes[0].old_rate] + [e.new_rate for e in changes]
    low, high = min(r for r in rates if r is not None), max(r for r in rates if r is not None)
    span = (high - low) or Decimal(1)

    def y(rate: Decimal | None) -> float:
        return 56 - float(((rate or low) - low) / span) * 52

    points = [(0.0, y(changes[0].old_rate))]
    for event in changes:
        x = (event.created_at - start).total_seconds() / seconds * 300
        points += [(x, points[-1][1]), (x, y(event.new_rate))]
    points.append((300.0, points[-1][1]))
    return RateChart(
        points=" ".join(f"{px:.1f},{py:.1f}" for px, py in points),
        high=money_text(high),
        low=money_text(low),
    )
