"""The `add` and `status` answers: order ids checked, statuses read entry by entry."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from panels.api import answer_values, normalise
from panels.api.answer_values import UnusableAnswer, shown
from panels.api.errors import ItemError
from panels.api.normalise import BadValue
from panels.api.results.base import (
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
    status: str  # normalised, see panels.api.normalise.Status
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


def order_id_of(value: Any) -> str:
    """The order id of an `add` answer as we store it (answer_values.remote_id's rule), or
    ShapeError saying plainly why not."""
    try:
        return answer_values.remote_id(value, field="order id")
    except BadValue as exc:
        raise ShapeError(str(exc)) from None


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
    except Exception:  # one entry no rule foresaw must not stop the others
        return UnusableAnswer.because("status", "it could not be read")


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
