"""Rates read as people read them: the published digits, thousands grouped, never an
exponent, a worked-out rate cut to a few significant digits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from currency.selectors import rate_text


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        ("1.053700000000", 8, "1.0537"),
        ("16773.51", 8, "16,773.51"),
        ("100", 8, "100"),
        ("0.000062819291", 8, "0.000062819291"),
        ("0.0107526881720430107526881720", 6, "0.0107527"),
        ("1000000000000000", 8, "1,000,000,000,000,000"),
        ("0", 8, "0"),
        (None, 8, "—"),
        ("NaN", 8, "—"),
    ],
)
def test_a_rate_is_shown_without_padding_or_exponent(
    value: str | None, digits: int, shown: str
) -> None:
    assert rate_text(Decimal(value) if value is not None else None, digits=digits) == shown
