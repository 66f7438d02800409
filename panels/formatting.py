"""Money as people read it: the panel's own digits, without the storage padding."""

from decimal import Decimal


def money_text(value: Decimal | None, *, places: int = 2) -> str:
    """1000.000000000000 -> "1000.00"; 0.001250000000 -> "0.00125"; None -> "—"."""
    if value is None:
        return "—"
    exponent = value.normalize().as_tuple().exponent
    digits = max(places, -exponent if isinstance(exponent, int) else places)
    return f"{value:.{digits}f}"
