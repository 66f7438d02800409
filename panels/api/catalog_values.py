"""The values of one catalog entry as the catalog's columns can hold them (no Django imports).

Used by panels.api.results.parse_service: an id, price or limit that cannot be real raises
normalise.BadValue with a plain message (the entry is set aside); texts are cleaned and
shortened to fit.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from panels.api import normalise

# Column sizes of the stored catalog (panels.models.Service), known here so that a parsed
# service always fits: a longer id is set aside, a longer text is shortened.
ID_LIMIT = 100
TEXT_LIMITS = {"name": 500, "raw_type": 100, "category": 300}
MONEY_PLACES = Decimal("1e-12")  # rates are stored with 12 decimal places


def stored_text(value: object, limit: int | None = None) -> str:
    """Text as it can be stored: no NUL characters or lone surrogates, at most `limit` long
    (shortened with an ellipsis)."""
    text = normalise.storable_text(normalise.to_text(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def service_id(value: object) -> str | None:
    """The entry's id; BadValue when it is one that cannot be stored."""
    if isinstance(value, float):  # only NaN and infinities arrive as floats (parse_float)
        return None
    if isinstance(value, Decimal) and value.is_finite() and value.adjusted() > ID_LIMIT:
        raise normalise.BadValue(f"id {str(value)[:40]} is too long")  # int() would be huge
    found = normalise.to_id(value)
    if found is None:
        return None
    if len(found) > ID_LIMIT:
        raise normalise.BadValue(f"id {found[:40]}... is longer than {ID_LIMIT} characters")
    if found != stored_text(found):
        raise normalise.BadValue(f"id {found[:40]!r} has characters that cannot be stored")
    return found


def rate(value: object) -> Decimal:
    number = normalise.money(value, field="rate")
    if number is None:
        raise normalise.BadValue(_unreadable_rate(value))
    if number.as_tuple().exponent < -12:  # type: ignore[operator]  # finite: an int
        number = number.quantize(MONEY_PLACES)  # as stored; "0.90" stays exactly as sent
    if number >= normalise.MONEY_LIMIT:  # 999999999999.9999999999999 rounds up to the limit
        raise normalise.BadValue(f"rate {stored_text(value, 40)} is too large to be real")
    return number


_AMBIGUOUS = re.compile(r"[+-]?\d{1,3},\d{3}")


def _unreadable_rate(value: object) -> str:
    if value is None or value == "":
        return "no rate"
    shown = stored_text(value, 40) if isinstance(value, str) else stored_text(repr(value), 40)
    if isinstance(value, str) and _AMBIGUOUS.fullmatch(value.strip()):
        whole, part = value.strip().split(",")
        return (
            f"rate {shown} could mean {whole}.{part} or {whole}{part}; "
            "it was set aside rather than guessed"
        )
    return f"rate {shown} is not a number"


def limits(item: dict[str, Any]) -> tuple[int, int]:
    low = normalise.count(item.get("min"), field="min") or 0
    high = normalise.count(item.get("max"), field="max") or 0
    if high and low > high:
        raise normalise.BadValue(f"min {low} is larger than max {high}")
    return low, high


def refill_days(value: object, notes: list[str]) -> int | None:
    """Days of refill; a value that makes no sense is noted and read as unknown."""
    try:
        days = normalise.count(value, field="refill_time", limit=normalise.SMALL_LIMIT)
    except normalise.BadValue as exc:
        notes.append(f"{exc}; kept without refill days")
        return None
    return days
