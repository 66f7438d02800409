"""The `refill`, `refill_status`, `cancel` and `balance` answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from panels.api import answer_values, normalise
from panels.api.answer_values import UnusableAnswer, shown
from panels.api.errors import ItemError
from panels.api.normalise import BadValue
from panels.api.results.base import (
    MISSING,
    Raw,
    ShapeError,
    fill_missing,
    item_id,
    items,
    require_object,
)


@dataclass(frozen=True, slots=True)
class RefillCreated:
    order_id: str
    refill_id: str | None
    error: ItemError | None
    raw: Any = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class RefillState:
    refill_id: str
    status: str | None  # normalised, see panels.api.normalise.RefillStatus; None with an error
    raw_status: str
    error: ItemError | None
    raw: Any = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class CancelResult:
    order_id: str
    accepted: bool
    error: ItemError | None
    raw: Any = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Balance:
    amount: Decimal | None  # None when the panel's balance cannot be used: see `problem`
    currency: str
    raw: Raw = field(repr=False)
    problem: str = ""  # why the balance cannot be used, in plain words


def parse_refill_created(order_id: str, data: Any) -> RefillCreated:
    obj = require_object(data, "refill")
    if obj.get("refill") is None:
        raise ShapeError("the answer to refill has no refill id")
    try:
        refill_id = answer_values.remote_id(obj.get("refill"), field="refill id")
    except BadValue as exc:
        raise ShapeError(f"the answer to refill is unusable: {exc}") from None
    return RefillCreated(order_id=order_id, refill_id=refill_id, error=None, raw=obj)


def parse_refill_batch(order_ids: list[str], data: Any) -> dict[str, RefillCreated]:
    results: dict[str, RefillCreated] = {}
    for item in items(data, "refill with orders"):
        order_id = item_id(item, "order")
        if order_id is None:
            continue
        value = item.get("refill")
        text = normalise.error_text(value)
        if text:
            results[order_id] = RefillCreated(order_id, None, ItemError.from_text(text), raw=item)
            continue
        try:
            refill_id = answer_values.remote_id(value, field="refill id")
        except BadValue as exc:
            error = UnusableAnswer.because("refill", f"{exc}; the panel may have created it")
            results[order_id] = RefillCreated(order_id, None, error, raw=item)
            continue
        results[order_id] = RefillCreated(order_id, refill_id, None, raw=item)
    return fill_missing(order_ids, results, lambda i: RefillCreated(i, None, MISSING))


def parse_refill_state(refill_id: str, data: Any) -> RefillState:
    obj = require_object(data, "refill_status")
    return _refill_state(refill_id, obj.get("status"), obj)


def _refill_state(refill_id: str, value: Any, raw: Any) -> RefillState:
    text = normalise.error_text(value)
    if text:
        return RefillState(refill_id, None, "", ItemError.from_text(text), raw=raw)
    try:
        raw_status = answer_values.status_text(value)
    except BadValue as exc:
        error = UnusableAnswer.because("refill status", str(exc))
        return RefillState(refill_id, None, "", error, raw=raw)
    return RefillState(refill_id, normalise.refill_status(raw_status), raw_status, None, raw=raw)


def parse_refill_state_batch(refill_ids: list[str], data: Any) -> dict[str, RefillState]:
    results: dict[str, RefillState] = {}
    for item in items(data, "refill_status with refills"):
        refill_id = item_id(item, "refill")
        if refill_id is not None:
            results[refill_id] = _refill_state(refill_id, item.get("status"), item)
    return fill_missing(refill_ids, results, lambda i: RefillState(i, None, "", MISSING))


_CANCEL_YES = frozenset({"1", "true", "yes", "y", "on", "ok", "success", "accepted"})
_CANCEL_NO = frozenset({"0", "false", "no", "n", "off"})


def _cancel_word(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        number = Decimal(value)
        return str(int(number)) if number in (0, 1) else None
    return value.strip().lower() if isinstance(value, str) else None


def parse_cancel_batch(order_ids: list[str], data: Any) -> dict[str, CancelResult]:
    results: dict[str, CancelResult] = {}
    for item in items(data, "cancel"):
        order_id = item_id(item, "order")
        if order_id is None:
            continue
        value = item.get("cancel")
        text = normalise.error_text(value)
        if text:
            results[order_id] = CancelResult(order_id, False, ItemError.from_text(text), raw=item)
            continue
        word = _cancel_word(value)
        if word in _CANCEL_YES:
            results[order_id] = CancelResult(order_id, True, None, raw=item)
        elif word in _CANCEL_NO:
            error = ItemError(
                text=f"The panel did not accept the cancel (it answered {word}).", reason="unknown"
            )
            results[order_id] = CancelResult(order_id, False, error, raw=item)
        else:
            problem = f"cancel {shown(value)} is neither yes nor no; the panel may have done it"
            error = UnusableAnswer.because("cancel", problem)
            results[order_id] = CancelResult(order_id, False, error, raw=item)
    return fill_missing(order_ids, results, lambda i: CancelResult(i, False, MISSING))


def parse_balance(data: Any) -> Balance:
    """The answer to `balance`. A balance that is missing, unreadable or too large to be real
    has `amount` None and `problem` saying why: the stored balance stays. A negative balance
    is real (panels let a balance be overdrawn, or debit more than they should) and kept."""
    obj = require_object(data, "balance")
    if "balance" not in obj:
        raise ShapeError("the answer to balance has no balance")  # not a balance answer at all
    found = answer_values.currency(obj.get("currency"))
    try:
        amount = answer_values.money(obj, "balance", signed=True)
    except BadValue as exc:
        return Balance(amount=None, currency=found, raw=obj, problem=f"the {exc}")
    if amount is None:
        value = obj.get("balance")
        problem = (
            "the balance is empty (null)"
            if value is None
            else f"the balance {shown(value)} is not a number"
        )
        return Balance(amount=None, currency=found, raw=obj, problem=problem)
    return Balance(amount=amount, currency=found, raw=obj)
