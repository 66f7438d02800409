"""Cancel and re-place the remains elsewhere: what a stuck order did not deliver goes to
another panel that carries the same offer, and nothing is bought twice.

The cancel goes out as a bulk action (orders/services/bulk.py); when the panel takes it, the
order is marked ASKED. Nothing is re-placed then: only once the panel reports the order
final, with its remains, does `order_replace_remains` place those remains on the next panel
in the offer's ranking (the order's own panel left out), as a new order linked to it
(`retry_of`). It claims the mark in the transaction that creates the new order, so two
syncs that both see the order end re-place once. An order that ends completed, or whose
remains the panel does not state believably, is not re-placed, and its history says why.
A panel that refuses the cancel leaves the order as it was: nothing is marked.

Only orders whose units are interchangeable can be re-placed in part: a quantity of one
link, not drip-feed runs, packages, lists of comments or subscriptions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from orders.models import Order, OrderStatusChange, RemainsReplacement
from orders.services.failover import NOTE_LENGTH, order_next_attempt
from orders.validation import form_values
from panels.api.normalise import Status
from panels.api.order_types import ORDER_TYPES, OTHER, PER_1000

logger = logging.getLogger(__name__)
WITH_REMAINS = frozenset({Status.PARTIAL, Status.CANCELED, Status.REFUNDED})


def can_replace_remains(*, order_type: str, runs: int | None) -> bool:
    """Whether part of an order of this type can be placed on its own: per-unit pricing over
    a quantity, not drip-feed."""
    spec = ORDER_TYPES.get(order_type, ORDER_TYPES[OTHER])
    return spec.pricing == PER_1000 and "quantity" in spec.fields and not runs


def orders_replace_remains(*, order_ids: Iterable[int]) -> list[Order]:
    """Re-place the remains of those of these orders that are due (asked and now final). The
    new orders; never raises (what went wrong stays on the order, to try again later)."""
    placed = []
    for pk in order_ids:
        try:
            moved = order_replace_remains(order_id=pk)
        except Exception:
            logger.exception("order %s: its remains could not be re-placed", pk)
            continue
        if moved is not None:
            placed.append(moved)
    return placed


def orders_replace_remains_due() -> list[Order]:
    """The catch-up: asked orders already final whose re-placement did not happen when their
    status came back (an error, a worker that stopped)."""
    due = Order.objects.filter(
        replace_remains=RemainsReplacement.ASKED, status__in=Status.FINAL
    ).values_list("pk", flat=True)
    return orders_replace_remains(order_ids=list(due))


def order_replace_remains(*, order_id: int) -> Order | None:
    """Once `order` is final after an accepted cancel: its remains on the next panel, or None
    (not due, nothing to re-place, no panel can take them: its history says which)."""
    with transaction.atomic():
        order = (
            Order.objects.select_for_update(of=("self",))
            .select_related("panel", "service")
            .filter(pk=order_id)
            .first()
        )
        if order is None or order.replace_remains != RemainsReplacement.ASKED:
            return None
        if order.status not in Status.FINAL:
            return None  # the cancel was taken; the panel has not confirmed it yet
        remains, why_not = _remains(order)
        moved = None
        if remains:
            moved, why_not = _place(order, remains)
        order.replace_remains = RemainsReplacement.DONE if moved else RemainsReplacement.NOT_DONE
        order.save(update_fields=["replace_remains"])
        head = f"{order.get_status_display()} on {order.panel.name}"
        if moved is not None:
            note = f"{head} with {remains} of {order.quantity} left: re-placed on "
            note += f"{moved.panel.name} as order #{moved.pk}."
        else:
            note = f"{head}: remains not re-placed. {why_not}"
        OrderStatusChange.objects.create(order=order, status=order.status, note=note[:NOTE_LENGTH])
        return moved


def _remains(order: Order) -> tuple[int, str]:
    """How many units to re-place, by the panel's own numbers, or 0 and why none."""
    if order.status not in WITH_REMAINS:
        return 0, "It was delivered before the cancel took effect."
    if order.remains is None:
        return 0, "The panel did not say how many remain: re-place them by hand if any."
    if order.quantity is None or order.remains > order.quantity:
        return 0, f"The panel says {order.remains} remain of {order.quantity}: not re-placed."
    if order.remains <= 0:
        return 0, "Nothing remains."
    return order.remains, ""


def _place(order: Order, remains: int) -> tuple[Order | None, str]:
    key = (order.route or {}).get("key") or order.service.match_key
    if not key:
        return None, "The service is matched with no offer on another panel."
    return order_next_attempt(
        order=order,
        key=key,
        values={**form_values(order), "quantity": remains},
        tried=[*(order.route or {}).get("tried", []), order.panel_id],
        note=f"Remains of order #{order.pk} ({remains} of {order.quantity})",
        # The customer paid once, on the first order: this one sells for 0, so its cost
        # counts against that sale in the profit.
        sale_price=Decimal(0) if order.sale_price is not None else None,
    )
