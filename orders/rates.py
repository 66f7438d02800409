"""A Converter that reads every rate a page needs in one query.

currency.conversion.Converter reads one (currency, day) at a time, once each. A list of 50
orders placed over 50 days in three currencies would read 150 times; this one is told the
pairs first and reads them all at once through currency.conversion.daily_rates (the same
rules: the newest day within RATE_MAX_AGE_DAYS that prices the currency, directly, inverted
or across a third currency). A pair it was not told about is read as Converter reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from currency.conversion import Converter, daily_rates


@dataclass
class PreloadedConverter(Converter):
    _preloaded: set[tuple[str, date]] = field(default_factory=set)

    def preload(self, pairs: Iterable[tuple[str, date]]) -> PreloadedConverter:
        """Read the rates of every (currency, day) in `pairs` in one query (none if every
        pair is in the base currency)."""
        wanted = {(c.strip().upper(), d) for c, d in pairs if c and c.strip().upper() != self.base}
        if not wanted:
            return self
        days = [d for _, d in wanted]
        found = daily_rates(
            self.base,
            {c for c, _ in wanted},
            min(days),
            max(days),
            max_age_days=self.max_age.days,
        )
        for key in wanted:
            self._rates[key] = found.get(key)
        self._preloaded |= wanted
        return self

    def rate(self, currency: str, day: date) -> tuple[Decimal, date] | None:
        # Preloaded pairs are in the cache `Converter.rate` reads first; others are read there.
        return super().rate(currency, day)
