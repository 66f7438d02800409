"""The overview's money in the base currency: each day's spend at that day's rate.

Two queries however many currencies and days: the settings (the base currency) and one read of
every rate the days need (`Converter.prime`). A currency that cannot be converted on a day is
never dropped or added to the base total: it stays in its own currency, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from core.money import money
from currency.conversion import Converter, rates_note
from overview.selectors import DailySpend, Overview, Spend


@dataclass(frozen=True)
class SpendRow:
    """One billing currency's spend, and the same in the base currency."""

    spend: Spend
    base_24h: Decimal | None  # None: some day of it has no rate (see `problem`)
    base_7d: Decimal | None
    rate_days: tuple[date, ...] = ()  # the days of the rates used; none for the base itself
    problem: str = ""

    @property
    def converted(self) -> bool:
        return bool(self.rate_days)

    @property
    def rates_note(self) -> str:
        return rates_note(self.rate_days)


@dataclass(frozen=True)
class SpendInBase:
    base: str
    rows: list[SpendRow]

    @property
    def included(self) -> list[SpendRow]:
        return [row for row in self.rows if row.base_7d is not None]

    @property
    def left_out(self) -> list[SpendRow]:
        return [row for row in self.rows if row.base_7d is None]

    @property
    def total_24h(self) -> Decimal:
        return sum((row.base_24h or Decimal(0) for row in self.included), Decimal(0))

    @property
    def total_7d(self) -> Decimal:
        return sum((row.base_7d or Decimal(0) for row in self.included), Decimal(0))

    @property
    def rate_days(self) -> list[date]:
        return sorted({day for row in self.rows for day in row.rate_days})

    @property
    def rates_note(self) -> str:
        return rates_note(self.rate_days)


@dataclass(frozen=True)
class OverviewMoney:
    spend: SpendInBase
    daily: list[DailySpend]  # in the base currency where a rate allowed, else as billed


def overview_in_base(overview: Overview, *, today: date) -> OverviewMoney:
    converter = Converter()
    days = [entry.day for entry in overview.daily_spend]
    days += [day for spend in overview.spend for day in spend.by_day]
    currencies = {s.currency for s in overview.spend} | {d.currency for d in overview.daily_spend}
    converter.prime(currencies, min(days, default=today), max(days, default=today))
    return OverviewMoney(
        spend=spend_in_base(overview.spend, converter),
        daily=daily_in_base(overview.daily_spend, converter),
    )


def spend_in_base(spend: list[Spend], converter: Converter) -> SpendInBase:
    rows = []
    for item in spend:
        total_24h, total_7d = Decimal(0), Decimal(0)
        rate_days: set[date] = set()
        problem = ""
        for day, (day_24h, day_7d) in sorted(item.by_day.items()):
            converted = converter.to_base(day_7d, item.currency, day)
            if converted.amount is None:
                problem = problem or converted.problem
                continue
            total_7d += converted.amount
            total_24h += converter.to_base(day_24h, item.currency, day).amount or Decimal(0)
            if converted.rate_day is not None:
                rate_days.add(converted.rate_day)
        if problem:
            rows.append(SpendRow(item, None, None, problem=problem))
        else:
            rows.append(SpendRow(item, total_24h, total_7d, tuple(sorted(rate_days))))
    # The base currency's own spend first, then the others as they were ordered.
    rows.sort(key=lambda row: row.spend.currency != converter.base)
    return SpendInBase(base=converter.base, rows=rows)


def daily_in_base(daily: list[DailySpend], converter: Converter) -> list[DailySpend]:
    """Each panel's spend of a day in the base currency at that day's rate; one that cannot
    be converted stays in its own currency with the reason (it gets a chart of its own)."""
    found = []
    for entry in daily:
        converted = converter.to_base(entry.amount, entry.currency, entry.day)
        if converted.amount is None:
            found.append(replace(entry, problem=converted.problem))
        elif converted.converted:
            found.append(
                replace(
                    entry,
                    currency=converter.base,
                    amount=converted.amount,
                    rate_day=converted.rate_day,
                    billed=money(entry.amount, entry.currency),
                )
            )
        else:
            found.append(entry)
    return found
