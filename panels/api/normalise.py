"""Turn the loose values real panels send into exact, typed ones (no Django imports).

Panels send numbers as strings or numbers, ids as ints or strings, booleans as true/1/"1",
and statuses in any case and spelling. These helpers accept all of that and nothing worse.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any


class Status:
    """Normalised order statuses (the panel's view of an order)."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    PROCESSING = "processing"
    COMPLETED = "completed"
    PARTIAL = "partial"
    CANCELED = "canceled"
    REFUNDED = "refunded"
    FAILED = "failed"
    # Subscriptions
    ACTIVE = "active"
    PAUSED = "paused"
    EXPIRED = "expired"

    ALL = (
        PENDING,
        IN_PROGRESS,
        PROCESSING,
        COMPLETED,
        PARTIAL,
        CANCELED,
        REFUNDED,
        FAILED,
        ACTIVE,
        PAUSED,
        EXPIRED,
    )
    FINAL = frozenset({COMPLETED, PARTIAL, CANCELED, REFUNDED, FAILED, EXPIRED})


class RefillStatus:
    """Normalised refill statuses."""

    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"
    ERROR = "error"

    ALL = (PENDING, IN_PROGRESS, COMPLETED, REJECTED, ERROR)
    FINAL = frozenset({COMPLETED, REJECTED, ERROR})


def _status_key(raw: object) -> str:
    return re.sub(r"[\s_\-]+", " ", str(raw)).strip().lower()


_ORDER_STATUS_ALIASES = {
    "pending": Status.PENDING,
    "in progress": Status.IN_PROGRESS,
    "inprogress": Status.IN_PROGRESS,
    "progress": Status.IN_PROGRESS,
    "processing": Status.PROCESSING,
    "completed": Status.COMPLETED,
    "complete": Status.COMPLETED,
    "partial": Status.PARTIAL,
    "partially completed": Status.PARTIAL,
    "canceled": Status.CANCELED,
    "cancelled": Status.CANCELED,
    "cancel": Status.CANCELED,
    "refunded": Status.REFUNDED,
    "refund": Status.REFUNDED,
    "fail": Status.FAILED,
    "failed": Status.FAILED,
    "error": Status.FAILED,
    "active": Status.ACTIVE,
    "paused": Status.PAUSED,
    "expired": Status.EXPIRED,
}

_REFILL_STATUS_ALIASES = {
    "pending": RefillStatus.PENDING,
    "in progress": RefillStatus.IN_PROGRESS,
    "inprogress": RefillStatus.IN_PROGRESS,
    "progress": RefillStatus.IN_PROGRESS,
    "processing": RefillStatus.IN_PROGRESS,
    "completed": RefillStatus.COMPLETED,
    "complete": RefillStatus.COMPLETED,
    "rejected": RefillStatus.REJECTED,
    "error": RefillStatus.ERROR,
    "failed": RefillStatus.ERROR,
    "fail": RefillStatus.ERROR,
}


def order_status(raw: object) -> str:
    """Normalised order status; anything unrecognised counts as pending (keep the raw text)."""
    return _ORDER_STATUS_ALIASES.get(_status_key(raw), Status.PENDING)


def refill_status(raw: object) -> str:
    """Normalised refill status; anything unrecognised counts as pending."""
    return _REFILL_STATUS_ALIASES.get(_status_key(raw), RefillStatus.PENDING)


# "1,234.50" and "1,234,567": commas group thousands. "0,27" and "12,5": a decimal comma.
# "1.234,56": dots group thousands before a decimal comma. "1,234" alone is either one of them:
# it is refused, never guessed.
_GROUPED_COMMAS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_GROUPED_DOTS = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+,\d+")
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+")


def _number_text(text: str) -> str | None:
    """The number in `text` with a decimal point and no grouping; None if it is ambiguous."""
    if "," not in text:
        return text
    if _GROUPED_COMMAS.fullmatch(text) and ("." in text or text.count(",") > 1):
        return text.replace(",", "")
    if _GROUPED_DOTS.fullmatch(text):
        return text.replace(".", "").replace(",", ".")
    if _DECIMAL_COMMA.fullmatch(text) and not _GROUPED_COMMAS.fullmatch(text):
        return text.replace(",", ".")
    return None  # "1,234" (a thousand, or one and a bit?) or not a number at all


def to_decimal(value: object) -> Decimal | None:
    """Exact decimal from a panel value. JSON floats must already be Decimal (parse_float).

    Strings may use a decimal comma ("0,27") or group thousands ("1,234.50"); one that could
    be read two ways ("1,234") is not read at all. NaN and infinities are not numbers.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = _number_text(value.strip())
        if not text or "_" in text:
            return None
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def to_int(value: object) -> int | None:
    """Whole number from a panel value ("3572", 3572, "3572.0"); None for null or "Unknown"."""
    number = to_decimal(value)
    if number is None or abs(number.adjusted()) > 40 or number != number.to_integral_value():
        return None
    return int(number)


class BadValue(ValueError):
    """A value a panel sent that cannot be stored or makes no sense. The message says which
    field and why, in words a person can act on; the entry it belongs to is set aside."""


# The largest values our columns hold: money has 24 digits, 12 after the point; counts are
# 64-bit; days and minutes are 32-bit.
MONEY_LIMIT = Decimal(10) ** 12
MONEY_PLACES = -12  # the exponent of the smallest step the money columns keep
MONEY_STEP = Decimal(10) ** MONEY_PLACES
BIG_LIMIT = 2**63 - 1
SMALL_LIMIT = 2**31 - 1


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, str | Decimal | int) else str(value)
    return text if len(text) <= 40 else text[:40] + "..."


def money(value: object, *, field: str, signed: bool = False) -> Decimal | None:
    """A price, charge or balance as the panel wrote it, rounded only where it has more than the
    12 places the money columns keep: None when absent or not a number; BadValue when it is
    negative (unless `signed`: a balance can be overdrawn) or too large to be real (or to
    store: 999999999999.9999999999999 rounds up to 10**12)."""
    number = to_decimal(value)
    if number is None:
        return None
    if number < 0 and not signed:
        raise BadValue(f"{field} {_shown(value)} is negative")
    if abs(number) >= MONEY_LIMIT:
        raise BadValue(f"{field} {_shown(value)} is too large to be real")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, str) or exponent >= MONEY_PLACES:
        return number  # "0.90" stays "0.90": the panel's own digits are what we show
    rounded = number.quantize(MONEY_STEP, rounding=ROUND_HALF_UP)  # as PostgreSQL rounds
    if abs(rounded) >= MONEY_LIMIT:
        raise BadValue(f"{field} {_shown(value)} is too large to be real")
    return rounded


def count(value: object, *, field: str, limit: int = BIG_LIMIT) -> int | None:
    """A quantity, remains, start count, min or max: None when absent or not a number;
    BadValue when it is negative, fractional, or larger than `limit`."""
    number = to_decimal(value)
    if number is None:
        return None
    if number < 0:
        raise BadValue(f"{field} {_shown(value)} is negative")
    if number > limit:
        raise BadValue(f"{field} {_shown(value)} is too large to be real")
    if number != number.to_integral_value():
        raise BadValue(f"{field} {_shown(value)} is not a whole number")
    return int(number)


_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n", ""}


def to_bool(value: object, *, default: bool = False) -> bool:
    """Boolean from true/false, 1/0, "1"/"0", "yes"/"no"; missing or odd values give default."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return default


def to_id(value: object) -> str | None:
    """Remote id as a string: 23501, "23501" and "ord_01HG..." are all ids; 23501.0 is 23501."""
    if value is None or isinstance(value, bool | dict | list):
        return None
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    text = str(value).strip()
    return text or None


RAW_DEPTH = 30  # deeper nesting in a panel's raw answer is not kept


def storable_text(text: str) -> str:
    """Text a database can store: no NUL characters (PostgreSQL refuses them) and no lone
    surrogates (a JSON "\\ud800" escape; no encoding takes them)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


def storable(value: Any, depth: int = 0) -> Any:
    """A panel's raw answer as a JSON column can hold it: texts made storable, NaN and
    infinities as text, nesting past RAW_DEPTH replaced by a note."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Decimal) and not value.is_finite():
        return str(value)
    if isinstance(value, dict | list | tuple) and depth >= RAW_DEPTH:
        return "(nested too deeply to keep)"
    if isinstance(value, dict):
        return {storable_text(str(k)): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v, depth + 1) for v in value]
    return value


def to_text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def error_text(value: Any) -> str | None:
    """The text of an in-band error object `{"error": "..."}`, or None if it is not one."""
    if isinstance(value, dict) and "error" in value:
        return storable_text(to_text(value["error"])) or "Unknown error"
    return None
