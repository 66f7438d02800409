"""Amounts as people type them become exact Decimals; anything else is refused with a plain
reason, never guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.money import money_plain, money_text, read_amount


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("12.50", "12.50"),
        ("12,50", "12.50"),  # a decimal comma
        (" 3 ", "3"),
        ("0,5", "0.5"),
        (".5", "0.5"),
        ("1,234.50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1 234,50", "1234.50"),
        ("1,234,567", "1234567"),
        ("$ 4.20", "4.20"),
        ("4,20 €", "4.20"),
        ("0.000000000001", "0.000000000001"),
        ("1.234", "1.234"),  # a point is a decimal point
    ],
)
def test_what_people_type(typed: str, amount: str) -> None:
    assert read_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "No amount given."),
        ("abc", "is not an amount"),
        ("1e9", "is not an amount"),
        ("NaN", "is not an amount"),
        ("Infinity", "is not an amount"),
        ("-5", "cannot be negative"),
        ("<b>1</b>", "is not an amount"),
        ("1,234", "is ambiguous"),  # thousands or decimals: refused, not guessed
        ("1.2.3", "not thousands"),
        ("1,23,456", "not thousands"),
        ("1000000000000", "too large"),
        ("0.0000000000001", "more than 12 decimal places"),
        ("12\n50", "is not an amount"),
    ],
)
def test_garbage_is_refused_with_a_reason(typed: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        read_amount(typed)


@given(st.decimals(min_value=0, max_value=Decimal("999999999999"), places=4))
def test_any_amount_written_by_the_app_reads_back_exactly(amount: Decimal) -> None:
    assert read_amount(money_plain(amount)) == amount
    assert read_amount(money_text(amount)) == amount  # with thousands separators
    whole, decimals = money_plain(amount).split(".")
    if len(decimals) != 3 or whole == "0":  # "1,234" is ambiguous by design; "0,125" is not
        assert read_amount(f"{whole},{decimals}") == amount
