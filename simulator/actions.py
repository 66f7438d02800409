"""The API v2 actions. Each handler runs under the dialect store's lock after `settle`."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .billing import billed_cost, debit
from .catalog import SUBSCRIPTIONS
from .dialects import (
    BAD_REQUEST,
    CANCEL_DISABLED,
    CANCEL_REFUSED,
    FUNDS,
    LINK_DUPLICATE,
    ORDER_ID,
    REFILL_DISABLED,
    REFILL_EXISTS,
    REFILL_NOT_FOUND,
    REFILL_REFUSED,
    TOO_MANY_IDS,
    UNKNOWN_ACTION,
    ApiError,
    Dialect,
)
from .faults import FaultRule
from .live import Catalog
from .ordering import NewOrder, is_digits, parse_add
from .records import (
    CANCELABLE_STATUSES,
    CENT,
    IN_PROGRESS,
    PARTIAL,
    PENDING,
    REFILLABLE_STATUSES,
    Order,
    Refill,
    order_view,
    refill_status,
)
from .store import DialectStore

MAX_IDS = 100


@dataclass(frozen=True)
class Context:
    dialect: Dialect
    store: DialectStore
    catalog: Catalog
    now: float
    stage_seconds: float
    # The request's billing fault rule, if one is on (billing.py).
    billing: FaultRule | None = None


def dispatch(ctx: Context, params: Mapping[str, str]) -> Any:
    """Answer one authorised API request: a JSON-able payload, errors included."""
    try:
        action = params.get("action", "").strip()
        handler = HANDLERS.get(action)
        if handler is None or action not in ctx.dialect.actions:
            raise ApiError(UNKNOWN_ACTION)
        with ctx.store.lock:
            ctx.store.settle(ctx.now)
            try:
                return handler(ctx, params)
            finally:
                ctx.store.save_if_dirty()
    except ApiError as exc:
        return ctx.dialect.error(exc.code, **exc.params)


def services(ctx: Context, params: Mapping[str, str]) -> Any:
    return [ctx.dialect.service(service) for service in ctx.catalog.services]


def add(ctx: Context, params: Mapping[str, str]) -> Any:
    new = parse_add(params, now=ctx.now, catalog=ctx.catalog)
    store = ctx.store
    if store.has_active_order(new.service.id, new.link):
        raise ApiError(LINK_DUPLICATE)
    if new.cost > store.balance:
        raise ApiError(FUNDS)
    cost = billed_cost(ctx.billing, new)
    taken = debit(ctx.billing, new, cost)
    seq = store.next_order
    order = Order(
        seq=seq,
        id=ctx.dialect.new_order_id(seq),
        service=new.service.id,
        type=new.service.type,
        link=new.link,
        quantity=new.quantity,
        cost=str(cost),
        created=ctx.now,
        stage=ctx.stage_seconds,
        start_count=_start_count(new.link),
        partial_remains=_partial_remains(seq, new),
        fields=new.fields,
        runs=new.runs,
        posts=new.posts,
        expiry=new.expiry,
        debit=str(taken) if taken != cost else None,
    )
    store.add_order(order)
    return {"order": ctx.dialect.order_ref(order)}


def _start_count(link: str) -> int:
    return int(hashlib.sha256(link.encode()).hexdigest()[:8], 16) % 100_000


def _partial_remains(seq: int, new: NewOrder) -> int:
    # Every 5th order ends Partial, so clients meet refunds without any setup.
    if seq % 5 or new.service.rule.flat or new.service.type == SUBSCRIPTIONS:
        return 0
    return max(1, new.quantity // 4) if new.quantity >= 2 else 0


def status(ctx: Context, params: Mapping[str, str]) -> Any:
    if params.get("orders", "").strip():
        return {token: _status_item(ctx, token) for token in _ids(params["orders"])}
    order = _order(ctx, params.get("order", ""))
    return ctx.dialect.order_status(order, order_view(order, ctx.now), ctx.store.currency)


def _status_item(ctx: Context, token: str) -> Any:
    order = ctx.store.orders.get(token)
    if order is None:
        return ctx.dialect.error(ORDER_ID)
    return ctx.dialect.order_status(order, order_view(order, ctx.now), ctx.store.currency)


def refill(ctx: Context, params: Mapping[str, str]) -> Any:
    if params.get("orders", "").strip():
        answer = []
        for token in _ids(params["orders"]):
            try:
                item: Any = _refill_one(ctx, _order(ctx, token)).id
            except ApiError as exc:
                item = ctx.dialect.error(exc.code, **exc.params)
            answer.append({"order": _order_ref(ctx, token), "refill": item})
        return answer
    # The single form answers the id as a string, the batch form as a number (seed pages).
    return {"refill": str(_refill_one(ctx, _order(ctx, params.get("order", ""))).id)}


def _refill_one(ctx: Context, order: Order) -> Refill:
    service = ctx.catalog.find(order.service)
    # A service the catalog no longer knows at all (a smaller --catalog-size) refills nothing.
    if service is None or not service.refill:
        raise ApiError(REFILL_DISABLED)
    if order_view(order, ctx.now).status not in REFILLABLE_STATUSES:
        raise ApiError(REFILL_REFUSED)
    for existing in ctx.store.refills.values():
        if existing.order == order.id and refill_status(existing, ctx.now) in (
            PENDING,
            IN_PROGRESS,
        ):
            raise ApiError(REFILL_EXISTS)
    return ctx.store.add_refill(order=order, now=ctx.now, stage=ctx.stage_seconds)


def refill_status_action(ctx: Context, params: Mapping[str, str]) -> Any:
    dialect = ctx.dialect
    if params.get("refills", "").strip():
        answer = []
        for token in _ids(params["refills"]):
            found = _refill(ctx, token)
            item: Any = (
                dialect.status_text(refill_status(found, ctx.now))
                if found is not None
                else dialect.error(REFILL_NOT_FOUND)
            )
            answer.append({"refill": int(token) if is_digits(token) else token, "status": item})
        return answer
    found = _refill(ctx, params.get("refill", "").strip())
    if found is None:
        raise ApiError(REFILL_NOT_FOUND)
    return {"status": dialect.status_text(refill_status(found, ctx.now))}


def _refill(ctx: Context, token: str) -> Refill | None:
    return ctx.store.refills.get(int(token)) if is_digits(token) else None


def cancel(ctx: Context, params: Mapping[str, str]) -> Any:
    answer = []
    for token in _ids(params.get("orders", "")):
        try:
            _cancel_one(ctx, _order(ctx, token))
            item: Any = 1
        except ApiError as exc:
            item = ctx.dialect.error(exc.code, **exc.params)
        answer.append({"order": _order_ref(ctx, token), "cancel": item})
    return answer


def _cancel_one(ctx: Context, order: Order) -> None:
    service = ctx.catalog.find(order.service)
    if service is None or not service.cancel:
        raise ApiError(CANCEL_DISABLED)
    view = order_view(order, ctx.now)
    if view.status not in CANCELABLE_STATUSES:
        raise ApiError(CANCEL_REFUSED)
    if order.type == SUBSCRIPTIONS:
        ctx.store.cancel_order(order, ctx.now, remains=view.remains)
    elif view.remains < order.quantity:
        # Part delivered: like real panels, it ends Partial, charged for what was delivered.
        share = Decimal(order.quantity - view.remains) / order.quantity
        charge = (Decimal(order.cost) * share).quantize(CENT, rounding=ROUND_HALF_UP)
        ctx.store.cancel_order(order, ctx.now, remains=view.remains, status=PARTIAL, charge=charge)
    else:
        ctx.store.cancel_order(order, ctx.now, remains=order.quantity)


def balance(ctx: Context, params: Mapping[str, str]) -> Any:
    return ctx.dialect.balance(ctx.store.balance, ctx.store.currency)


def _ids(text: str) -> list[str]:
    tokens = [token.strip() for token in text.split(",") if token.strip()]
    if not tokens:
        raise ApiError(BAD_REQUEST)
    if len(tokens) > MAX_IDS:
        raise ApiError(TOO_MANY_IDS)
    return tokens


def _order(ctx: Context, token: str) -> Order:
    order = ctx.store.orders.get(token.strip())
    if order is None:
        raise ApiError(ORDER_ID)
    return order


def _order_ref(ctx: Context, token: str) -> int | str:
    order = ctx.store.orders.get(token)
    if order is not None:
        return ctx.dialect.order_ref(order)
    return int(token) if is_digits(token) else token


HANDLERS: dict[str, Callable[[Context, Mapping[str, str]], Any]] = {
    "services": services,
    "add": add,
    "status": status,
    "refill": refill,
    "refill_status": refill_status_action,
    "cancel": cancel,
    "balance": balance,
}
