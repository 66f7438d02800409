"""The `add` and `status` answers: order ids checked, statuses read entry by entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from panels import answer_values, normalise
from panels.answer_values import UnusableAnswer, shown
from panels.errors import ItemError
from panels.normalise import BadValue
from panels.results.base import (
    Raw,
    ShapeError,
    require_object,
)


@dataclass(frozen=True, slots=True)
class OrderPlaced:
    order_id: str
    raw: Raw = field(repr=False)
    answer: str = field(default="", repr=False)  # the answer's text, as the client kept it


@dataclass(frozen=True, slots=True)
class OrderStatus:
    order_id: str
    status: str  # normalised, see panels.normalise.Status
    raw_status: str
    charge: Decimal | None
    start_count: int | None
    remains: int | None
    currency: str
    runs: int | None = None  # drip-feed: runs done
    child_order_ids: tuple[str, ...] = ()  # drip-feed: the orders each run created
    posts: int | None = None  # subscriptions
    raw: Raw = field(default_factory=dict, repr=False)

    @property
    def is_final(self) -> bool:
        return self.status in normalise.Status.FINAL


ORDER_ID_MAX = 100  # Order.remote_id's column


def order_id_of(value: Any) -> str:
    """The order id of an `add` answer as we store it, or ShapeError saying plainly why not.

    Numbers (and text that reads as one) must be positive whole numbers; other text must be
    short, printable and free of spaces and commas (ids are sent back comma-separated).
    """
    if value is None or isinstance(value, bool | dict | list):
        raise ShapeError("the answer to add has no order id")
    if isinstance(value, int | float | Decimal):
        return _numeric_id(Decimal(value) if isinstance(value, int) else Decimal(str(value)))
    if not isinstance(value, str):
        raise ShapeError("the answer to add has no order id")
    text = value.strip()
    if not text:
        raise ShapeError("the order id is empty")
    if len(text) > ORDER_ID_MAX:
        raise ShapeError(f"the order id is longer than {ORDER_ID_MAX} characters")
    if "," in text or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ShapeError("the order id contains spaces, commas or control characters")
    try:
        number = Decimal(text)
    except ArithmeticError:
        return text  # an id that is not a number, such as "ord_01HG..."
    if not text.isascii() or not text.isdigit():
        raise ShapeError(f"the order id {text!r} is not a positive whole number")
    _numeric_id(number)
    return text


def _numeric_id(number: Decimal) -> str:
    if not number.is_finite():
        raise ShapeError("the order id is not a number")
    if number.adjusted() >= ORDER_ID_MAX:
        raise ShapeError(f"the order id is longer than {ORDER_ID_MAX} digits")
    if number != number.to_integral_value():
        raise ShapeError(f"the order id {number} is not a whole number")
    if number <= 0:
        raise ShapeError(f"the order id {number} is not a positive number")
    return str(int(number))


def parse_order_placed(data: Any, *, answer: str = "") -> OrderPlaced:
    obj = require_object(data, "add")
    return OrderPlaced(order_id=order_id_of(obj.get("order")), raw=obj, answer=answer)


def parse_order_status(order_id: str, data: Any) -> OrderStatus | ItemError:
    """The answer to `status` with one `order`. A malformed answer (no status, a remains of
    1e30...) concerns that order only: an UnusableAnswer says why, nothing is raised."""
    return _status_entry(order_id, data)


def _status_entry(order_id: str, value: Any) -> OrderStatus | ItemError:
    text = normalise.error_text(value)
    if text:
        return ItemError.from_text(text)
    if not isinstance(value, dict):
        return UnusableAnswer.because("status", f"it is {shown(value)}, not an object")
    try:
        return _order_status(order_id, value)
    except BadValue as exc:
        return UnusableAnswer.because("status", str(exc))


def _order_status(order_id: str, obj: Raw) -> OrderStatus:
    if "status" not in obj:
        raise BadValue("it has no status")
    raw_status = answer_values.status_text(obj.get("status"))
    children = obj.get("orders")
    return OrderStatus(
        order_id=order_id,
        status=normalise.order_status(raw_status),
        raw_status=raw_status,
        charge=answer_values.money(obj, "charge"),
        start_count=answer_values.count(obj, "start_count", field="start count"),
        remains=answer_values.count(obj, "remains"),
        currency=answer_values.currency(obj.get("currency")),
        runs=answer_values.count(obj, "runs", limit=normalise.SMALL_LIMIT),
        child_order_ids=tuple(
            answer_values.remote_id(child, field="child order id") for child in children
        )
        if isinstance(children, list)
        else (),
        posts=answer_values.count(obj, "posts", limit=normalise.SMALL_LIMIT),
        raw=obj,
    )


def parse_status_batch(order_ids: list[str], data: Any) -> dict[str, OrderStatus | ItemError]:
    """The answer to `status` with `orders`: an object keyed by order id. Each entry is read on
    its own; one that cannot be used is an UnusableAnswer for that order, not a failed call."""
    if len(order_ids) == 1 and _single_form(order_ids[0], data):
        # Asked about one order, the panel answered as for `order=`: that order's entry.
        return {order_ids[0]: _status_entry(order_ids[0], data)}
    obj = require_object(data, "status with orders")
    by_id = {normalise.to_id(key): value for key, value in obj.items()}
    results: dict[str, OrderStatus | ItemError] = {}
    for order_id in order_ids:
        if order_id not in by_id:
            results[order_id] = ItemError(text="", reason="missing")
            continue
        results[order_id] = _status_entry(order_id, by_id[order_id])
    return results


_STATUS_KEYS = frozenset({"status", "charge", "remains", "start_count"})


def _single_form(order_id: str, data: Any) -> bool:
    if not isinstance(data, dict):
        return True
    keys = {normalise.to_id(key) for key in data}
    return order_id not in keys and bool(_STATUS_KEYS & set(data))
