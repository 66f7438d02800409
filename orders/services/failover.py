"""Routed orders: placing an offer on the best panel, and moving an order on to the next panel
when its panel refused it for a reason of its own.

Only where nothing was bought: the panel said it has no funds, does not know or offer the
service, or refused our key, or the order never got through to it at all (NOT_SENT: the
connection never opened). A refusal about the order itself (its link, its quantity) would be
refused everywhere, and an unknown outcome may have been placed: neither moves. The next
attempt is a new order linked to the refused one (`retry_of`), routed again without the
panels already tried, in the same transaction that records the refusal: both commit or
neither does, and the new order is sent only after that commit, by the usual claim.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orders.models import Order, OrderStatusChange
from orders.routing import Ask, Policy, Route, route
from orders.routing_offers import routing_offers
from orders.services.create import order_create
from orders.validation import form_values
from panels.api.errors import Reason
from panels.models import Service

logger = logging.getLogger(__name__)

# The refusals that say the panel, not the order, is the problem, in words for the history.
MOVES_ON = {
    Reason.NOT_ENOUGH_FUNDS: "not enough funds",
    Reason.INCORRECT_SERVICE_ID: "service unknown or disabled",
    Reason.BAD_KEY: "API key refused",
    Reason.NOT_SENT: "could not be reached",
}
NOTE_LENGTH = 300  # OrderStatusChange.note


def route_policy(stamp: Mapping[str, Any], *, tried: list[int]) -> Policy:
    """The user's panel preferences kept on a routed order, without the panels tried."""
    return Policy(
        preferred=frozenset(stamp.get("preferred", [])),
        excluded=frozenset(stamp.get("excluded", [])),
        tried=frozenset(tried),
    )


def order_route(
    *, match_key: str, values: Mapping[str, object], policy: Policy, refill: bool = False,
    order_type: str = "", today: date | None = None,
) -> Route:  # fmt: skip
    """The ranking of the offer's panels for this order (orders/routing.py), read now."""
    base, offers = routing_offers(match_key=match_key, today=today or timezone.localdate())
    kind = order_type or next((o.order_type for o in offers), "default")
    return route(Ask(kind, values, refill=refill), offers, policy, base=base)


def order_create_routed(
    *,
    match_key: str,
    values: Mapping[str, object],
    policy: Policy = Policy(),  # noqa: B008 (frozen)
    refill: bool = False,
    **create: Any,
) -> Order:
    """Queue an order of the offer `match_key` on the panel routing picks, with the choice and
    its reason kept on the order. ValidationError when no panel can take it (with why).

    A catalog sync may take the picked service off its panel between reading the offers and
    reading the service: the order is then routed again without that panel, not refused."""
    gone: set[int] = set()
    while True:
        ranking = replace(policy, excluded=policy.excluded | gone)
        result = order_route(match_key=match_key, values=values, policy=ranking, refill=refill)
        service_id, stamp = routed_choice(result, match_key=match_key, policy=policy, refill=refill)
        service = Service.objects.select_related("panel").get(pk=service_id)
        if (service.is_active and service.panel.is_active) or service.panel_id in gone:
            return order_create(service=service, values=values, route=stamp, **create)
        gone.add(service.panel_id)


def routed_choice(
    result: Route, *, match_key: str, policy: Policy, refill: bool = False
) -> tuple[int, dict[str, Any]]:
    """(the service routing picked, what the order keeps of the choice: Order.route) for a
    first attempt; ValidationError when no panel can take it (with why). For callers that
    rank many orders on offers read once (uploads)."""
    best = result.best
    if best is None:
        raise ValidationError(result.reason())
    stamp = {
        "key": match_key,
        "note": result.reason(),
        "preferred": sorted(policy.preferred),
        "excluded": sorted(policy.excluded),
        "tried": [],
        "refill": refill,
    }
    return best.offer.service_id, stamp


def order_fail_over(*, order: Order) -> Order | None:
    """After `order` was refused: its next attempt on the next panel, or None (not routed, a
    refusal that does not move, the limit reached, no other panel can take it: the history
    says which). Never raises: the refusal stands whatever happens here."""
    stamp = order.route or {}
    why = MOVES_ON.get(order.error_reason)
    if not stamp.get("key") or order.state != Order.State.REJECTED or why is None:
        return None
    try:
        with transaction.atomic():
            return _move_on(order, stamp, why)
    except Exception:
        logger.exception("order %s: could not be moved to another panel", order.pk)
        return None


def _move_on(order: Order, stamp: Mapping[str, Any], why: str) -> Order | None:
    tried = [*stamp.get("tried", []), order.panel_id]
    head = f"Refused by {order.panel.name} ({why})"
    if len(tried) >= settings.ROUTING_MAX_PANELS:
        _history(order, f"{head}; tried {len(tried)} panels, the most allowed: not moved on.")
        return None
    moved, why_not = order_next_attempt(
        order=order,
        key=stamp["key"],
        values=form_values(order),
        tried=tried,
        note=head,
        sale_price=order.sale_price,
    )
    if moved is None:
        _history(order, f"{head}; not moved on. {why_not}")
        return None
    _history(order, f"{head}; moved to {moved.panel.name} as order #{moved.pk}.")
    return moved


def order_next_attempt(
    *, order: Order, key: str, values: Mapping[str, object], tried: list[int], note: str,
    sale_price: Decimal | None,
) -> tuple[Order | None, str]:  # fmt: skip
    """A new order linked to `order` (`retry_of`) with `values`, on the best panel for the
    offer `key` among those not `tried`, routed with the user's panel preferences kept on
    `order`; `note` heads the reason kept on it. (The new order, "") or (None, why none)."""
    stamp: Mapping[str, Any] = order.route or {}
    result = order_route(
        match_key=key,
        values=values,
        policy=route_policy(stamp, tried=tried),
        refill=bool(stamp.get("refill")),
        order_type=order.order_type,
    )
    best = result.best
    if best is None:
        return None, result.reason()
    service = Service.objects.select_related("panel").get(pk=best.offer.service_id)
    try:
        moved = order_create(
            service=service,
            values=values,
            placed_by=order.placed_by,
            source=order.source,
            retry_of=order,
            sale_price=sale_price,
            customer_ref=order.customer_ref,
            route={**stamp, "key": key, "tried": tried, "note": f"{note}. {result.reason()}"},
        )
    except ValidationError as exc:
        return None, f"{service.panel.name} cannot take it: {'; '.join(exc.messages)}"
    return moved, ""


def _history(order: Order, note: str) -> None:
    OrderStatusChange.objects.create(order=order, status=order.status, note=note[:NOTE_LENGTH])
