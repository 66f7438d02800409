"""Turn the loose values real panels send into exact, typed ones (no Django imports).

Panels send numbers as strings or numbers, ids as ints or strings, booleans as true/1/"1",
and statuses in any case and spelling. These helpers accept all of that and nothing worse.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
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
        PENDING, IN_PROGRESS, PROCESSING, COMPLETED, PARTIAL, CANCELED, REFUNDED, FAILED,
        ACTIVE, PAUSED, EXPIRED,
    )  # fmt: skip
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


def to_decimal(value: object) -> Decimal | None:
    """Exact decimal from a panel value. JSON floats must already be Decimal (parse_float)."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not text:
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
    if number is None or number != number.to_integral_value():
        return None
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


def to_text(value: object) -> str:
    if value is None:
        return ""
    return str(value).strip()


def error_text(value: Any) -> str | None:
    """The text of an in-band error object `{"error": "..."}`, or None if it is not one."""
    if isinstance(value, dict) and "error" in value:
        return to_text(value["error"]) or "Unknown error"
    return None
