"""Money as people read it, in one format everywhere: the panel's own digits without the
storage padding (at least 2 decimal places), thousands grouped, then the currency code:
"1,000.00 USD", "2.2225 USD", "0.00125 EUR". Exports take `money_plain`: the same digits,
without the grouping, so a spreadsheet reads a number."""

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def _places(value: Decimal, places: int) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(places, -exponent if isinstance(exponent, int) else places)


def money_plain(value: Decimal | None, *, places: int = 2) -> str:
    """1000.000000000000 -> "1000.00"; 0.001250000000 -> "0.00125"; None -> "". For files."""
    if value is None or not value.is_finite():
        return ""
    return f"{value:.{_places(value, places)}f}"


def money_text(value: Decimal | None, *, places: int = 2) -> str:
    """1000.000000000000 -> "1,000.00"; 0.001250000000 -> "0.00125"; None -> "—"."""
    if value is None or not value.is_finite():
        return "—"
    return f"{value:,.{_places(value, places)}f}"


def money(value: object, currency: str = "") -> str:
    """An amount with its currency code: "1,000.00 USD"; "—" without an amount. Takes what a
    template has: a Decimal, an int, a numeric string, or None."""
    if value is None or value == "":
        return "—"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return "—"
    text = money_text(amount)
    return f"{text} {currency}" if currency and text != "—" else text


# What people type as an amount: "12.50", "12,50" (a decimal comma), "1,234.50", "1 234,50",
# "1.234,50", "$ 12.50". Digits are read as text into a Decimal, never through a float.
_TYPED = re.compile(r"^[+-]?[0-9.,' \u00a0\u202f]+$")
MAX_AMOUNT = Decimal(10) ** 12  # what a money column holds (24 digits, 12 of them decimals)
MAX_PLACES = 12


def read_amount(text: str) -> Decimal:
    """An amount of money as typed, or ValueError with a plain reason.

    With both marks, the last one is the decimal mark ("1.234,50", "1,234.50"); a mark used
    twice groups thousands ("1,234,567"); a single "." or "," is the decimal mark ("12,50"),
    except a comma after a whole number and before exactly three digits ("1,234", not
    "0,125"), which is ambiguous and refused
    rather than guessed. Negative amounts, exponents ("1e9"), NaN, 10**12 or more and more
    than 12 decimal places are refused."""
    raw = (text or "").strip()
    for symbol in "$€£₽¥₹₺":
        raw = raw.replace(symbol, "")
    raw = raw.strip()
    if not raw:
        raise ValueError("No amount given.")
    if not _TYPED.match(raw):
        raise ValueError(f"{_shown(text)} is not an amount: write digits, such as 12.50.")
    if raw.startswith("-"):
        raise ValueError("An amount cannot be negative.")
    digits = re.sub(r"[' \u00a0\u202f]", "", raw.lstrip("+"))
    marks = [i for i, c in enumerate(digits) if c in ".,"]
    if marks:
        last = marks[-1]
        mark, after = digits[last], digits[last + 1 :]
        other = "," if mark == "." else "."
        before = digits[:last]
        if other in before:  # "1.234,50" or "1,234.50": the last mark is the decimal one
            whole = _grouped(before, other)
        elif before.count(mark) > 0:  # "1,234,567" or "1.234.567": thousands only
            whole, after = _grouped(digits, mark), ""
        elif len(after) == 3 and mark == "," and before.strip("0"):
            raise ValueError(
                f"{_shown(text)} is ambiguous: write 1234 or 1.234 (a comma and three "
                "digits could be thousands or decimals)."
            )
        else:
            whole = before
        if not after.isdigit() and after:
            raise ValueError(f"{_shown(text)} is not an amount: write digits, such as 12.50.")
        digits = f"{whole or '0'}.{after}" if after else (whole or "0")
    try:
        amount = Decimal(digits)
    except InvalidOperation:
        raise ValueError(f"{_shown(text)} is not an amount: write digits, such as 12.50.") from None
    if not amount.is_finite():
        raise ValueError(f"{_shown(text)} is not an amount.")
    if amount >= MAX_AMOUNT:
        raise ValueError(f"{_shown(text)} is too large to be a price.")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_PLACES:
        raise ValueError(f"{_shown(text)} has more than {MAX_PLACES} decimal places.")
    return amount


def _grouped(text: str, mark: str) -> str:
    """Digits grouped in threes by `mark` ("1,234,567"), as plain digits; ValueError if the
    groups are not threes."""
    head, *groups = text.split(mark)
    if not head.isdigit() or not groups or any(len(g) != 3 or not g.isdigit() for g in groups):
        raise ValueError(f"{_shown(text)} is not an amount: its digit groups are not thousands.")
    return head + "".join(groups)


def _shown(text: str) -> str:
    shown = " ".join((text or "").split())
    return f"“{shown[:30]}{'…' if len(shown) > 30 else ''}”"


CONVERTED_PLACES = Decimal("0.0001")


def converted_amount(value: Decimal | None) -> Decimal | None:
    """An amount read through an exchange rate, rounded for display only: a rate's division
    leaves 28 digits that mean nothing, and four places keep a rate of 0.0125 per 1000 exact."""
    if value is None or not value.is_finite():
        return None
    return value.quantize(CONVERTED_PLACES, ROUND_HALF_UP)
