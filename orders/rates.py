"""A Converter that reads every rate a page needs in one query.

currency.conversion.Converter reads one (currency, day) at a time, once each. A list of 50
orders placed over 50 days in three currencies would read 150 times; this one is told the
pairs first and reads the rows of the whole window at once, then answers each pair exactly
as Converter would (the newest day in the pair's window that prices it: directly, inverted
or across a third currency), with currency.conversion's own pricing rule.
TODO(currency): this belongs in currency.conversion as `Converter.preload`; it lives here
until the currency app takes it, so that app's files stay with the helper working on it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from currency.conversion import Converter, _price
from currency.models import ExchangeRate

Rows = dict[date, dict[tuple[str, str], Decimal]]


@dataclass
class PreloadedConverter(Converter):
    _loaded: Rows = field(default_factory=dict)
    _preloaded: set[tuple[str, date]] = field(default_factory=set)  # pairs `_loaded` answers

    def preload(self, pairs: Iterable[tuple[str, date]]) -> PreloadedConverter:
        """Read the rates of every (currency, day) in `pairs` in one query (none if every
        pair is in the base currency)."""
        wanted = {(c.strip().upper(), d) for c, d in pairs if c and c.strip().upper() != self.base}
        if not wanted:
            return self
        codes = {c for c, _ in wanted} | {self.base}
        first = min(d for _, d in wanted) - self.max_age
        last = max(d for _, d in wanted)
        rows = ExchangeRate.objects.filter(day__range=(first, last)).filter(
            Q(currency__in=codes) | Q(base__in=codes)
        )
        loaded: Rows = {}
        for day, base, currency, rate in rows.values_list("day", "base", "currency", "rate"):
            loaded.setdefault(day, {})[(base, currency)] = rate
        self._loaded, self._preloaded = loaded, wanted
        return self

    def rate(self, currency: str, day: date) -> tuple[Decimal, date] | None:
        key = (currency.upper(), day)
        if key not in self._preloaded or key in self._rates:
            return super().rate(currency, day)  # a pair it was not told about: read as usual
        oldest = day - self.max_age
        found = None
        for rate_day in sorted((d for d in self._loaded if oldest <= d <= day), reverse=True):
            pairs = {
                pair: value
                for pair, value in self._loaded[rate_day].items()
                if {key[0], self.base} & set(pair)
            }
            price = _price(pairs, self.base, key[0])
            if price is not None:
                found = (price, rate_day)
                break
        self._rates[key] = found
        return found
