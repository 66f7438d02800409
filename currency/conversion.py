"""Amounts in the base currency, each with the day of the rate it used.

The rate of an order's day is the newest rate on or before that day, no older than
RATE_MAX_AGE_DAYS (the ECB publishes no rates at weekends and on holidays). No such rate: the
amount is not converted and the reason says which rate is missing, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from currency.models import CurrencySettings, ExchangeRate


@dataclass(frozen=True)
class Converted:
    """An amount in the base currency, or why it could not be."""

    amount: Decimal | None
    base: str
    currency: str
    rate: Decimal | None = None  # base units per one unit of `currency`
    rate_day: date | None = None
    problem: str = ""

    @property
    def converted(self) -> bool:
        """Read through a rate (as opposed to already in the base currency)."""
        return self.rate_day is not None

    @property
    def note(self) -> str:
        """What a page says beside the amount: "at the 2026-12-04 rate" or the problem."""
        if self.problem:
            return self.problem
        return (
            f"from {self.currency} at the {self.rate_day:%Y-%m-%d} rate" if self.converted else ""
        )


def base_currency() -> str:
    return CurrencySettings.load().base_currency


@dataclass
class Converter:
    """Converts many amounts to one base currency, reading each (currency, day) rate once:
    build one per page or task, not per amount."""

    base: str = ""
    max_age: timedelta = field(default_factory=lambda: timedelta(days=settings.RATE_MAX_AGE_DAYS))
    _rates: dict[tuple[str, date], tuple[Decimal, date] | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.base = (self.base or base_currency()).upper()

    def to_base(self, amount: Decimal | None, currency: str, day: date) -> Converted:
        currency = (currency or "").strip().upper()
        if amount is None:
            return Converted(None, self.base, currency)
        if currency == self.base:
            return Converted(amount, self.base, currency)
        if not currency:
            return Converted(None, self.base, currency, problem="The currency is not known.")
        found = self.rate(currency, day)
        if found is None:
            problem = (
                f"No {currency} → {self.base} rate on {day:%Y-%m-%d} or the "
                f"{self.max_age.days} days before."
            )
            return Converted(None, self.base, currency, problem=problem)
        rate, rate_day = found
        return Converted(amount * rate, self.base, currency, rate, rate_day)

    def prime(self, currencies: Iterable[str], first: date, last: date) -> None:
        """Reads, in one query (`daily_rates`), every rate `rate()` needs for these currencies
        on the days first..last: a page converting many currencies over many days asks this
        first, then converts amount by amount without a query."""
        wanted = sorted({(c or "").strip().upper() for c in currencies} - {self.base, ""})
        if not wanted or first > last:
            return
        found = daily_rates(self.base, set(wanted), first, last, max_age_days=self.max_age.days)
        day = first
        while day <= last:
            for currency in wanted:
                self._rates[(currency, day)] = found.get((currency, day))
            day += timedelta(days=1)

    def preload(self, pairs: Iterable[tuple[str, date]]) -> Converter:
        """`prime` for the (currency, day) pairs a page will convert: one query for them all
        (none when every pair is in the base currency)."""
        wanted = [(currency, day) for currency, day in pairs if currency]
        if wanted:
            days = [day for _, day in wanted]
            self.prime({currency for currency, _ in wanted}, min(days), max(days))
        return self

    def rate(self, currency: str, day: date) -> tuple[Decimal, date] | None:
        """Base units per one unit of `currency`, and the day of the rate used."""
        key = (currency.upper(), day)
        if key not in self._rates:
            self._rates[key] = _newest_rate(self.base, key[0], day, day - self.max_age)
        return self._rates[key]


def _newest_rate(base: str, currency: str, day: date, oldest: date) -> tuple[Decimal, date] | None:
    """The newest day in [oldest, day] that prices `currency` in `base`: directly (1 base =
    r currency), inverted (1 currency = r base), or across a third currency quoted against
    both that same day (the ECB's EUR rates give USD→RUB)."""
    rows = ExchangeRate.objects.filter(day__range=(oldest, day)).filter(
        Q(currency__in=(base, currency)) | Q(base__in=(base, currency))
    )
    by_day: dict[date, dict[tuple[str, str], Decimal]] = {}
    for row in rows.values_list("day", "base", "currency", "rate"):
        by_day.setdefault(row[0], {})[(row[1], row[2])] = row[3]
    for rate_day in sorted(by_day, reverse=True):
        found = _price(by_day[rate_day], base, currency)
        if found is not None:
            return found, rate_day
    return None


def _price(pairs: dict[tuple[str, str], Decimal], base: str, currency: str) -> Decimal | None:
    if (base, currency) in pairs:
        return 1 / pairs[(base, currency)]
    if (currency, base) in pairs:
        return pairs[(currency, base)]
    quoted = {b for b, c in pairs if c == base} & {b for b, c in pairs if c == currency}
    for reference in sorted(quoted):  # 1 ref = x base, 1 ref = y currency: 1 currency = x/y base
        return pairs[(reference, base)] / pairs[(reference, currency)]
    return None


def daily_rates(
    base: str, currencies: set[str], first: date, last: date, *, max_age_days: int | None = None
) -> dict[tuple[str, date], tuple[Decimal, date]]:
    """(currency, day) -> (base units per unit, the rate's day) for every day in [first,
    last] that has a rate, by the same rules as `Converter.rate`; one query for them all.
    For pages that aggregate many days in the database (the reports)."""
    base = base.upper()
    wanted = {c.upper() for c in currencies if c and c.upper() != base}
    age = timedelta(days=settings.RATE_MAX_AGE_DAYS if max_age_days is None else max_age_days)
    if not wanted or last < first:
        return {}
    involved = (base, *wanted)
    rows = ExchangeRate.objects.filter(day__range=(first - age, last)).filter(
        Q(currency__in=involved) | Q(base__in=involved)
    )
    by_day: dict[date, dict[tuple[str, str], Decimal]] = {}
    for day, row_base, currency, rate in rows.values_list("day", "base", "currency", "rate"):
        by_day.setdefault(day, {})[(row_base, currency)] = rate
    found: dict[tuple[str, date], tuple[Decimal, date]] = {}
    for currency in wanted:
        latest: tuple[Decimal, date] | None = None
        day = first - age
        while day <= last:  # walk the days once, carrying the newest rate forward
            price = _price(by_day[day], base, currency) if day in by_day else None
            if price is not None:
                latest = (price, day)
            if day >= first and latest is not None and day - latest[1] <= age:
                found[(currency, day)] = latest
            day += timedelta(days=1)
    return found


def price_in_base(
    pairs: dict[tuple[str, str], Decimal], base: str, currency: str
) -> Decimal | None:
    """Base units per one unit of `currency` from one day's quotes {(base, currency): rate}, as
    the Converter reads them (direct, inverted or across a third currency); None if they
    cannot say."""
    if currency == base:
        return Decimal(1)
    return _price(pairs, base, currency)


def rates_note(days: Iterable[date]) -> str:
    """Which rates a figure used: "at the 2026-12-04 rate", "at the rates of 2026-11-07 to
    2026-12-04", or "" for none."""
    found = sorted(set(days))
    if not found:
        return ""
    if len(found) == 1:
        return f"at the {found[0]:%Y-%m-%d} rate"
    return f"at the rates of {found[0]:%Y-%m-%d} to {found[-1]:%Y-%m-%d}"
