"""Reads for the Rates page: the settings, the last fetch's outcome and the latest rate of
each currency pair, each also read as what one unit is worth in the base currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import F, Max, Window

from currency.conversion import price_in_base
from currency.models import CurrencySettings, ExchangeRate


def rate_text(value: Decimal | None, *, digits: int = 8) -> str:
    """A rate as people read it: 1.0537, 16,773.51, 0.0000596 (`digits` significant digits at most,
    never an exponent); "—" when there is none."""
    if value is None or not value.is_finite():
        return "—"
    if value.is_zero():
        return "0"
    places = max(0, digits - 1 - value.adjusted())
    shown = value.quantize(Decimal(1).scaleb(-places)).normalize()
    text = f"{shown:f}"
    whole, _, fraction = text.partition(".")
    return f"{int(whole):,}" + (f".{fraction}" if fraction else "") if whole.isdigit() else text


@dataclass(frozen=True)
class LatestRate:
    currency: str  # the currency the row prices (not the base currency)
    day: date
    source: str  # ExchangeRate.Source label
    quote: str  # the row as stored: "1 EUR = 1.0537 USD"
    in_base: Decimal | None  # what one unit of `currency` was worth in the base currency

    @property
    def in_base_text(self) -> str:
        return rate_text(self.in_base, digits=6)  # worked out, not published: fewer digits


@dataclass(frozen=True)
class RatesPage:
    settings: CurrencySettings
    rates: list[LatestRate]

    @property
    def base(self) -> str:
        return self.settings.base_currency

    @property
    def notes(self) -> list[str]:
        return [line for line in self.settings.rates_notes.splitlines() if line]


def latest_rates(*, base: str) -> list[LatestRate]:
    """The newest row of every stored pair (one query), by the currency it prices."""
    rows = list(
        ExchangeRate.objects.annotate(
            newest=Window(Max("day"), partition_by=[F("base"), F("currency")])
        )
        .filter(day=F("newest"))
        .order_by("currency", "base")
    )
    by_day: dict[date, dict[tuple[str, str], Decimal]] = {}
    for row in rows:
        by_day.setdefault(row.day, {})[(row.base, row.currency)] = row.rate
    found = []
    for row in rows:
        priced = row.base if row.currency == base else row.currency
        found.append(
            LatestRate(
                currency=priced,
                day=row.day,
                source=row.get_source_display(),
                quote=f"1 {row.base} = {rate_text(row.rate)} {row.currency}",
                in_base=price_in_base(by_day[row.day], base, priced),
            )
        )
    return sorted(found, key=lambda rate: (rate.currency, rate.quote))


def rates_page() -> RatesPage:
    row = CurrencySettings.load()
    return RatesPage(settings=row, rates=latest_rates(base=row.base_currency))
