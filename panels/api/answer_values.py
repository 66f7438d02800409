"""One entry of a panel's answer, read value by value and checked against what we can store.

A value that cannot be stored or makes no sense (a charge of 10**12, remains "1e30", a negative
start count, a refill id "NaN" or 300 characters long) raises `BadValue` with a plain message.
The parser turns that into an `UnusableAnswer` for that entry only: the entries next to it are
used as usual. No Django imports.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from panels.api import normalise
from panels.api.errors import ItemError
from panels.api.normalise import BadValue

UNUSABLE = "unusable_answer"  # the reason of an entry set aside (fits error_reason columns)
ID_LIMIT = 100  # remote ids are stored in 100-character columns
STATUS_TEXT_LIMIT = 100
CURRENCY_LIMIT = 10

# "1,234": a thousand and thirty-four, or one and a bit? Never guessed.
_AMBIGUOUS = re.compile(r"[+-]?\d{1,3},\d{3}")


@dataclass(frozen=True, slots=True)
class UnusableAnswer(ItemError):
    """An entry of an answer that cannot be used; `text` says why, in plain words.

    It concerns that entry only: the rest of the answer is processed, and nothing of this
    entry is stored (the previous good values stay)."""

    @property
    def message(self) -> str:
        return self.text

    @classmethod
    def because(cls, what: str, problem: str) -> UnusableAnswer:
        text = f"The panel's {what} answer for this order is unusable: {problem}."
        return cls(text=clean(text), reason=UNUSABLE)


def shown(value: object) -> str:
    """A value as a person reads it in a message, shortened."""
    if value is None:
        return "null"
    text = str(value) if isinstance(value, str | Decimal | int | float) else repr(value)
    text = clean(text)
    return text if len(text) <= 40 else text[:40] + "..."


def clean(text: str) -> str:
    """Without NUL and other control characters (PostgreSQL refuses NUL in text)."""
    return "".join(c for c in text if c.isprintable() or c in "\n\t")


def _number_check(value: object, field: str) -> None:
    if isinstance(value, dict | list):
        raise BadValue(f"{field} {shown(value)} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadValue(f"{field} {shown(value)} is not a number")
    if isinstance(value, str) and _AMBIGUOUS.fullmatch(value.strip()):
        whole, part = value.strip().replace("+", "").split(",")
        raise BadValue(
            f"{field} {value.strip()} could be {whole}{part} or {whole}.{part}; it is not guessed"
        )


def money(
    obj: dict[str, Any], key: str, *, field: str | None = None, signed: bool = False
) -> Decimal | None:
    """A charge or balance: None when absent or unreadable (such as "Unknown"); BadValue when
    it is negative (unless `signed`), too large, ambiguous ("1,234") or not a value at all (a
    list, NaN)."""
    value, name = obj.get(key), field or key
    _number_check(value, name)
    return normalise.money(value, field=name, signed=signed)


def count(
    obj: dict[str, Any], key: str, *, field: str | None = None, limit: int = normalise.BIG_LIMIT
) -> int | None:
    """Remains, a start count, runs, posts: None when absent or unreadable; BadValue when it
    is negative, fractional, too large or not a value at all."""
    value, name = obj.get(key), field or key
    _number_check(value, name)
    return normalise.count(value, field=name, limit=limit)


def remote_id(value: object, *, field: str) -> str:
    """An id the panel gave (an order, a refill): a string we can store, show and send back.

    The one rule for every id a panel answers with. Numbers, and text that reads as one, must be
    positive whole numbers ("NaN", "1e5", "-3", "0", 12.5 are not ids); other text is an opaque
    id such as "ord_01HG...", up to 100 printable characters without spaces or commas (ids are
    sent back comma-separated)."""
    if value is None or value == "":
        raise BadValue(f"there is no {field}")
    if isinstance(value, bool | dict | list):
        raise BadValue(f"{field} {shown(value)} is not an id")
    if isinstance(value, int | float | Decimal):
        return _numeric_id(value, field)
    text = str(value).strip()
    if not text:
        raise BadValue(f"there is no {field}")
    if len(text) > ID_LIMIT:
        raise BadValue(f"{field} {shown(text)} is longer than {ID_LIMIT} characters")
    if "," in text or any(c.isspace() or not c.isprintable() for c in text):
        raise BadValue(f"{field} {shown(text)} contains spaces, commas or control characters")
    try:
        Decimal(text)
    except InvalidOperation:
        return text  # not a number: an opaque id
    if not (text.isascii() and text.isdigit()):
        raise BadValue(f"{field} {shown(text)} is not a positive whole number")
    _numeric_id(Decimal(text), field)
    return text


def _numeric_id(value: int | float | Decimal, field: str) -> str:
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise BadValue(f"{field} {shown(value)} is not a number")
    if number.adjusted() >= ID_LIMIT:
        raise BadValue(f"{field} {shown(value)} is longer than {ID_LIMIT} digits")
    if number != number.to_integral_value():
        raise BadValue(f"{field} {shown(value)} is not a whole number")
    if number <= 0:
        raise BadValue(f"{field} {shown(value)} is not a positive number")
    return str(int(number))


def status_text(value: object, *, field: str = "status") -> str:
    """A status as the panel wrote it: a non-empty word, not an object or a list."""
    if value is None or (isinstance(value, str) and not clean(value).strip()):
        raise BadValue(f"there is no {field}")
    if isinstance(value, bool | dict | list | float) or not isinstance(value, str | int | Decimal):
        raise BadValue(f"{field} {shown(value)} is not a status")
    return clean(str(value)).strip()[:STATUS_TEXT_LIMIT]


def currency(value: object) -> str:
    """A currency code; anything that is not one short word is ignored ("")."""
    if not isinstance(value, str):
        return ""
    text = clean(value).strip()
    return text if 0 < len(text) <= CURRENCY_LIMIT and " " not in text else ""
