"""Amounts in the base currency: the rate of the day (or the newest before it), direct,
inverted or across a third currency, and a plain reason when there is none."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from currency.conversion import Converter, daily_rates
from currency.models import CurrencySettings, ExchangeRate

pytestmark = pytest.mark.django_db

FRI, SAT, MON = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 7)


def rate(day: date, base: str, currency: str, value: str) -> None:
    ExchangeRate.objects.create(day=day, base=base, currency=currency, rate=Decimal(value))


def test_the_base_currency_is_the_deployments_default_until_changed(settings) -> None:
    settings.BASE_CURRENCY = "eur"
    assert CurrencySettings.load().base_currency == "EUR"
    assert not CurrencySettings.objects.exists()  # reading writes nothing
    CurrencySettings(pk=1, base_currency="GBP").save()
    assert Converter().base == "GBP"


def test_an_amount_in_the_base_currency_is_not_converted() -> None:
    result = Converter(base="USD").to_base(Decimal("1.25"), "usd", FRI)
    assert (result.amount, result.converted, result.note) == (Decimal("1.25"), False, "")


def test_a_direct_rate_divides_and_says_its_day() -> None:
    rate(FRI, "USD", "RUB", "100")
    result = Converter(base="USD").to_base(Decimal("250"), "RUB", FRI)
    assert result.amount == Decimal("2.5")
    assert result.rate_day == FRI
    assert result.note == "from RUB at the 2026-12-04 rate"


def test_an_inverted_rate_multiplies() -> None:
    rate(FRI, "EUR", "USD", "1.05")  # base USD, the row is EUR-based: 1 EUR = 1.05 USD
    assert Converter(base="USD").to_base(Decimal("2"), "EUR", FRI).amount == Decimal("2.10")


def test_a_cross_rate_reads_both_legs_of_the_same_day() -> None:
    rate(FRI, "EUR", "USD", "1.25")
    rate(FRI, "EUR", "INR", "100")
    # 1 INR = 1.25 / 100 USD
    assert Converter(base="USD").to_base(Decimal("200"), "INR", FRI).amount == Decimal("2.5")


def test_a_weekend_uses_the_newest_rate_before_it_and_says_which() -> None:
    rate(FRI, "USD", "RUB", "100")
    rate(MON, "USD", "RUB", "50")  # after the day: never used for it
    result = Converter(base="USD").to_base(Decimal("100"), "RUB", SAT)
    assert (result.amount, result.rate_day) == (Decimal("1"), FRI)


def test_a_missing_or_too_old_rate_is_said_plainly_never_guessed(settings) -> None:
    settings.RATE_MAX_AGE_DAYS = 2
    rate(date(2026, 11, 30), "USD", "RUB", "100")
    result = Converter(base="USD").to_base(Decimal("100"), "RUB", FRI)
    assert result.amount is None
    assert result.note == "No RUB → USD rate on 2026-12-04 or the 2 days before."
    unknown = Converter(base="USD").to_base(Decimal("1"), "", FRI)
    assert (unknown.amount, unknown.problem) == (None, "The currency is not known.")


def test_each_currency_and_day_is_read_once_per_converter() -> None:
    rate(FRI, "USD", "RUB", "100")
    converter = Converter(base="USD")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(20):
            converter.to_base(Decimal("1"), "RUB", FRI)
    assert len(queries) == 1


def test_daily_rates_agree_with_the_converter_day_by_day(settings) -> None:
    settings.RATE_MAX_AGE_DAYS = 3
    rate(date(2026, 11, 27), "EUR", "USD", "1.25")
    rate(date(2026, 11, 27), "EUR", "RUB", "100")
    rate(FRI, "USD", "RUB", "90")
    first, last = date(2026, 11, 26), date(2026, 12, 9)
    with CaptureQueriesContext(connection) as queries:
        table = daily_rates("USD", {"RUB", "usd", "INR"}, first, last)
    assert len(queries) == 1
    converter = Converter(base="USD")
    day = first
    while day <= last:
        expected = converter.rate("RUB", day)
        assert table.get(("RUB", day)) == expected, day
        assert ("INR", day) not in table  # no INR rate at all
        day += timedelta(days=1)
    assert table[("RUB", SAT)] == (Decimal(1) / Decimal(90), FRI)
    assert ("RUB", date(2026, 12, 8)) not in table  # four days after the last rate: too old


def test_priming_reads_many_currencies_and_days_in_one_query_with_the_same_answers(
    settings,
) -> None:
    settings.RATE_MAX_AGE_DAYS = 3
    rate(date(2026, 12, 1), "EUR", "USD", "1.25")
    rate(date(2026, 12, 1), "EUR", "INR", "100")
    rate(FRI, "EUR", "USD", "1.5")
    rate(FRI, "EUR", "INR", "120")
    rate(date(2026, 12, 2), "USD", "RUB", "100")
    days = [date(2026, 11, 30) + timedelta(days=n) for n in range(9)]
    expected = {
        (currency, day): Converter(base="USD").rate(currency, day)
        for currency in ("EUR", "INR", "RUB")
        for day in days
    }
    primed = Converter(base="USD")
    with CaptureQueriesContext(connection) as queries:
        primed.prime(["eur", "INR", "RUB", "USD", ""], days[0], days[-1])
        got = {key: primed.rate(*key) for key in expected}
    assert len(queries) == 1
    assert got == expected
    assert got[("RUB", date(2026, 12, 5))] == (Decimal("0.01"), date(2026, 12, 2))
    assert got[("RUB", date(2026, 12, 6))] is None  # older than 3 days
    assert got[("INR", SAT)] == (Decimal("1.5") / Decimal("120"), FRI)
