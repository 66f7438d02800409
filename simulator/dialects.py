"""How each simulated panel speaks: which actions it has, how it spells values and errors.

Actions compute plain facts (an order, its progress, an error code); a `Dialect` turns them
into the JSON a particular kind of panel would send. Adding a dialect is adding a table row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .catalog import Service
from .records import (
    CANCELED,
    COMPLETED,
    IN_PROGRESS,
    PARTIAL,
    PENDING,
    Order,
    OrderView,
    money,
)

# Error codes the actions raise; each dialect maps them to its own words.
BAD_KEY = "bad_key"
BAD_REQUEST = "bad_request"
UNKNOWN_ACTION = "unknown_action"
ORDER_ID = "order_id"
SERVICE_ID = "service_id"
LINK = "link"
MIN_QUANTITY = "min_quantity"
MAX_QUANTITY = "max_quantity"
LINK_DUPLICATE = "link_duplicate"
FUNDS = "funds"
REFILL_NOT_FOUND = "refill_not_found"
CANCEL_DISABLED = "cancel_disabled"
CANCEL_REFUSED = "cancel_refused"
REFILL_DISABLED = "refill_disabled"
REFILL_REFUSED = "refill_refused"
REFILL_EXISTS = "refill_exists"
TOO_MANY_IDS = "too_many_ids"


class ApiError(Exception):
    """An answer of the form {"error": ...}; `code` is one of the constants above."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


STANDARD_ERRORS: dict[str, str] = {
    BAD_KEY: "Invalid API key",
    BAD_REQUEST: "Incorrect request",
    UNKNOWN_ACTION: "Incorrect request",
    ORDER_ID: "Incorrect order ID",
    SERVICE_ID: "Incorrect service ID",
    LINK: "neworder.error.link",
    MIN_QUANTITY: "Quantity less than minimal {n}",
    MAX_QUANTITY: "Quantity more than maximum {n}",
    LINK_DUPLICATE: (
        "You have active order with this link. Please wait until order being completed."
    ),
    FUNDS: "Not enough funds on balance",
    REFILL_NOT_FOUND: "Refill not found",
    CANCEL_DISABLED: "Cancel is disabled for this service",
    CANCEL_REFUSED: "Order can't be canceled",
    REFILL_DISABLED: "Refill is disabled for this service",
    REFILL_REFUSED: "Order can't be refilled",
    REFILL_EXISTS: "Refill is already requested for this order",
    TOO_MANY_IDS: "Too many IDs (maximum 100)",
}

QUIRKY_ERRORS: dict[str, str] = {
    **STANDARD_ERRORS,
    ORDER_ID: "Incorrect Order ID",
    UNKNOWN_ACTION: "Request Invalid",
    SERVICE_ID: "neworder.error.incorrect_service_id",
    FUNDS: "neworder.error.not_enough_funds",
    MIN_QUANTITY: "neworder.error.min_quantity",
    MAX_QUANTITY: "neworder.error.max_quantity",
    LINK_DUPLICATE: "neworder.error.link_duplicate",
}

QUIRKY_STATUSES: dict[str, str] = {
    PENDING: "pending",
    IN_PROGRESS: "inprogress",
    COMPLETED: "Complete",
    PARTIAL: "Partially completed",
    CANCELED: "Cancelled",
}

ALL_ACTIONS = frozenset(
    {"services", "add", "status", "refill", "refill_status", "cancel", "balance"}
)
NO_CANCEL = ALL_ACTIONS - {"cancel"}


@dataclass(frozen=True)
class Dialect:
    name: str
    actions: frozenset[str] = ALL_ACTIONS
    # Optional service fields this panel shows: "description", "refill_time", "desc".
    service_extras: tuple[str, ...] = ()
    errors: Mapping[str, str] = field(default_factory=lambda: STANDARD_ERRORS)
    statuses: Mapping[str, str] = field(default_factory=dict)
    # Numbers, ids and flags in mixed JSON types, odd type casing, opaque order ids.
    mixed_values: bool = False
    # start_count null before the order starts, remains "Unknown" while pending.
    vague_progress: bool = False
    key_field: str = "key"
    json_only: bool = False
    pretty: bool = False
    content_type: str = "application/json"

    def error_text(self, code: str, **params: object) -> str:
        return self.errors[code].format(**params)

    def error(self, code: str, **params: object) -> dict[str, str]:
        return {"error": self.error_text(code, **params)}

    def status_text(self, status: str) -> str:
        return self.statuses.get(status, status)

    def encode(self, payload: Any) -> bytes:
        if self.pretty:
            return json.dumps(payload, indent=4).encode()
        return json.dumps(payload, separators=(",", ":")).encode()

    # Order ids -----------------------------------------------------------------------------

    def new_order_id(self, seq: int) -> str:
        if self.mixed_values and seq % 3 == 0:
            return _opaque_id(seq)
        return str(seq)

    def order_ref(self, order: Order) -> int | str:
        if not order.id.isdigit():
            return order.id
        # Some panels answer ids as strings, even within one panel.
        if self.mixed_values and order.seq % 3 == 1:
            return order.id
        return int(order.id)

    # Rendering -----------------------------------------------------------------------------

    def service(self, svc: Service) -> dict[str, Any]:
        mixed = self.mixed_values
        as_text = not mixed or svc.id % 4 == 3
        out: dict[str, Any] = {
            "service": str(svc.id) if mixed and as_text else svc.id,
            "name": svc.name,
            "type": _odd_type(svc.type) if mixed and svc.id % 5 == 0 else svc.type,
            "category": svc.category,
            "rate": svc.rate if as_text else _number(Decimal(svc.rate)),
            "min": str(svc.min) if as_text else svc.min,
            "max": str(svc.max) if as_text else svc.max,
            "refill": _flag(svc.refill, svc.id, mixed),
            "cancel": _flag(svc.cancel, svc.id + 1, mixed),
        }
        if mixed and svc.id % 10 == 9:
            del out["cancel"]  # some panels leave flags out entirely
        if svc.dripfeed is not None:
            out["dripfeed"] = int(svc.dripfeed) if mixed else svc.dripfeed
        if "description" in self.service_extras:
            out["description"] = svc.description
        if "desc" in self.service_extras:
            out["desc"] = svc.description
        if "refill_time" in self.service_extras:
            out["refill_time"] = svc.refill_time
        return out

    def order_status(self, order: Order, view: OrderView, currency: str) -> dict[str, Any]:
        as_text = not self.mixed_values or order.seq % 2 == 0
        start: int | None = order.start_count if view.started else 0
        if self.vague_progress and not view.started:
            start = None
        remains: int | str = view.remains
        if self.vague_progress and view.status == PENDING:
            remains = "Unknown"
        out: dict[str, Any] = {
            "charge": money(view.charge) if as_text else _number(view.charge),
            "start_count": str(start) if as_text and start is not None else start,
            "status": self.status_text(view.status),
            "remains": str(remains) if as_text else remains,
            "currency": currency,
        }
        if order.runs is not None:
            out["runs"] = str(order.runs)
            out["orders"] = str(view.runs_done or 0)
        if view.posts_done is not None:
            out["posts"] = str(view.posts_done)
        return out

    def balance(self, balance: Decimal, currency: str) -> dict[str, Any]:
        if self.mixed_values:
            # Seen in the wild: more decimals than the seeds, still a string.
            return {"balance": f"{balance:.8f}", "currency": currency}
        return {"balance": money(balance), "currency": currency}


def _number(value: Decimal) -> int | float:
    # Deliberately a JSON number: clients must not trust floats for money, and this checks it.
    return int(value) if value == value.to_integral_value() else float(value)


def _flag(value: bool, salt: int, mixed: bool) -> bool | int | str:
    if not mixed:
        return value
    return (value, int(value), "1" if value else "0")[salt % 3]


def _odd_type(type_name: str) -> str:
    return type_name.lower().replace(" ", "_")


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _opaque_id(seq: int) -> str:
    """A ULID-looking id that is the same for the same sequence number on every run."""
    digest = int.from_bytes(hashlib.sha256(f"order-{seq}".encode()).digest()[:12], "big")
    head = "".join(_CROCKFORD[(seq >> (5 * i)) & 31] for i in reversed(range(6)))
    tail = "".join(_CROCKFORD[(digest >> (5 * i)) & 31] for i in range(15))
    return f"ord_01HG7{head}{tail}"


DIALECTS: dict[str, Dialect] = {
    d.name: d
    for d in (
        Dialect("standard"),
        Dialect("seed000", actions=NO_CANCEL),
        Dialect("seed001", service_extras=("description", "refill_time")),
        Dialect("seed002"),
        Dialect("seed003", actions=NO_CANCEL),
        Dialect("seed004"),
        Dialect(
            "quirky",
            service_extras=("desc",),
            errors=QUIRKY_ERRORS,
            statuses=QUIRKY_STATUSES,
            mixed_values=True,
            vague_progress=True,
            pretty=True,
            content_type="text/html; charset=UTF-8",
        ),
        Dialect("jsonapi", key_field="api_token", json_only=True),
    )
}
