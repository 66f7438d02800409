"""Orders and refills as stored, and how they progress with (simulated) time.

Progress is a pure function of the record and the clock, so a restart or a clock jump gives the
same answer. Only the moment an order becomes final touches money (a partial refund), which
`store.DialectStore.settle` applies exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .catalog import SUBSCRIPTIONS

PENDING = "Pending"
IN_PROGRESS = "In progress"
COMPLETED = "Completed"
PARTIAL = "Partial"
CANCELED = "Canceled"
ACTIVE = "Active"
EXPIRED = "Expired"
REJECTED = "Rejected"

FINAL_STATUSES = frozenset({COMPLETED, PARTIAL, CANCELED, EXPIRED})
CANCELABLE_STATUSES = frozenset({PENDING, IN_PROGRESS, ACTIVE})
REFILLABLE_STATUSES = frozenset({COMPLETED, PARTIAL})

CENT = Decimal("0.00001")


def money(value: Decimal) -> str:
    """Panels show money with five decimals ("0.27819")."""
    return str(value.quantize(CENT, rounding=ROUND_HALF_UP))


@dataclass
class Order:
    seq: int
    id: str
    service: int
    type: str
    # The duplicate rule compares this: the link, or the username for subscriptions.
    link: str
    # Units to deliver: drip-feed total (runs x quantity), comment lines, or 1 for packages.
    quantity: int
    cost: str
    created: float
    stage: float
    start_count: int
    # Decided at creation so progress stays deterministic: >0 means the order ends Partial.
    partial_remains: int = 0
    fields: dict[str, str] = field(default_factory=dict)
    runs: int | None = None
    posts: int | None = None
    expiry: float | None = None
    final_status: str | None = None
    final_remains: int = 0
    final_charge: str | None = None
    final_at: float | None = None
    # What was taken from the balance when it differs from `cost` (a billing fault).
    debit: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Shallow on purpose (asdict deep-copies): saving thousands of orders must stay cheap.
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Order:
        return cls(**data)


@dataclass
class Refill:
    id: int
    order: str
    created: float
    stage: float
    rejected: bool

    def to_json(self) -> dict[str, Any]:
        return dict(vars(self))

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Refill:
        return cls(**data)


@dataclass(frozen=True)
class OrderView:
    status: str
    remains: int
    started: bool
    charge: Decimal
    # Drip-feed: how many runs have been placed so far; subscriptions: posts served so far.
    runs_done: int | None = None
    posts_done: int | None = None


def order_view(order: Order, now: float) -> OrderView:
    if order.final_status is not None:
        return OrderView(
            status=order.final_status,
            remains=order.final_remains,
            started=order.final_status != CANCELED or order.final_remains < order.quantity,
            charge=Decimal(order.final_charge or "0"),
            runs_done=order.runs,
            posts_done=(
                _posts_done(order, order.final_at or now) if order.type == SUBSCRIPTIONS else None
            ),
        )
    if order.type == SUBSCRIPTIONS:
        return _subscription_view(order, now)
    cost = Decimal(order.cost)
    elapsed = now - order.created
    if elapsed < order.stage:
        return OrderView(PENDING, order.quantity, False, cost, _runs(order, 0.0))
    target = order.quantity - order.partial_remains
    if elapsed < 2 * order.stage:
        share = (elapsed - order.stage) / order.stage
        delivered = int(target * share)
        return OrderView(IN_PROGRESS, order.quantity - delivered, True, cost, _runs(order, share))
    if order.partial_remains:
        charge = (cost * target / order.quantity).quantize(CENT, rounding=ROUND_HALF_UP)
        return OrderView(PARTIAL, order.partial_remains, True, charge, order.runs)
    return OrderView(COMPLETED, 0, True, cost, order.runs)


def _runs(order: Order, share: float) -> int | None:
    if order.runs is None:
        return None
    return min(order.runs, 1 + int(share * order.runs)) if share > 0 else 0


def _posts_done(order: Order, now: float) -> int:
    served = max(0, int((now - order.created) / order.stage))
    return min(served, order.posts) if order.posts is not None else served


def _subscription_view(order: Order, now: float) -> OrderView:
    cost = Decimal(order.cost)
    done = _posts_done(order, now)
    remains = order.posts - done if order.posts is not None else 0
    if order.posts is not None and done >= order.posts:
        return OrderView(COMPLETED, 0, True, cost, posts_done=done)
    if order.expiry is not None and now >= order.expiry:
        return OrderView(EXPIRED, remains, True, cost, posts_done=done)
    return OrderView(ACTIVE, remains, True, cost, posts_done=done)


def refill_status(refill: Refill, now: float) -> str:
    elapsed = now - refill.created
    if elapsed < refill.stage:
        return PENDING
    if elapsed < 2 * refill.stage:
        return IN_PROGRESS
    return REJECTED if refill.rejected else COMPLETED
