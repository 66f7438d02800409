"""Money as people read it, in one format everywhere: the panel's own digits without the
storage padding (at least 2 decimal places), thousands grouped, then the currency code:
"1,000.00 USD", "2.2225 USD", "0.00125 EUR". Exports take `money_plain`: the same digits,
without the grouping, so a spreadsheet reads a number."""

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


CONVERTED_PLACES = Decimal("0.0001")


def converted_amount(value: Decimal | None) -> Decimal | None:
    """An amount read through an exchange rate, rounded for display only: a rate's division
    leaves 28 digits that mean nothing, and four places keep a rate of 0.0125 per 1000 exact."""
    if value is None or not value.is_finite():
        return None
    return value.quantize(CONVERTED_PLACES, ROUND_HALF_UP)
