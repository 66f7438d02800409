"""A person resolving an order whose outcome is unknown: by the id they found on the panel's
site (the panel is asked about the id first, since a typo would track someone else's order, or
nothing), or by confirming the panel has no such order, optionally placing it again."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orders.models import Order, OrderStatusChange
from orders.services.create import order_create
from orders.validation import form_values
from panels.api.errors import ItemError, PanelError, Reason
from panels.api.normalise import Status


def order_panel_does_not_know(*, order: Order, remote_id: str) -> str | None:
    """Why the panel says it has no order `remote_id`, in words; None when it has one, or
    cannot be asked (then the person's word is taken). One `status` call."""
    if "," in remote_id or len(remote_id) > 100:
        return None  # order_resolve_placed explains what is wrong with it
    try:
        answer = order.panel.client().statuses([remote_id]).get(remote_id)
    except PanelError:
        return None
    if isinstance(answer, ItemError) and answer.reason == Reason.INCORRECT_ORDER_ID:
        return (
            f"{order.panel.name} does not know an order with id {remote_id}. Copy the id "
            "exactly as the panel's order history shows it."
        )
    return None


def order_resolve_found(*, order: Order, remote_id: str, user: Any = None) -> Order:
    """The order was found on the panel as `remote_id`: checked with the panel, then recorded
    as placed. Raises ValidationError ({"remote_id": ...}) and changes nothing when the id is
    empty or malformed, another order has it, the panel does not know it, or the order is
    no longer waiting to be resolved."""
    problem = order_panel_does_not_know(order=order, remote_id=remote_id) if remote_id else None
    if problem:
        raise ValidationError({"remote_id": problem})
    return order_resolve_placed(order=order, remote_id=remote_id, user=user)


def order_resolve_placed(*, order: Order, remote_id: str, user: Any = None) -> Order:
    """A person found the order on the panel's site: record its id; it is synced from now."""
    remote_id = remote_id.strip()
    if not remote_id or "," in remote_id or len(remote_id) > 100:
        raise ValidationError({"remote_id": "Enter the order id exactly as the panel shows it."})
    if Order.objects.filter(panel=order.panel, remote_id=remote_id).exclude(pk=order.pk).exists():
        raise ValidationError({"remote_id": f"Another order already has id {remote_id}."})
    with transaction.atomic():
        updated = Order.objects.filter(pk=order.pk, state=Order.State.UNKNOWN).update(
            state=Order.State.PLACED,
            remote_id=remote_id,
            placed_at=timezone.now(),
            status=Status.PENDING,
            last_error="",
            error_reason="",
        )
        if not updated:
            raise ValidationError("Only an order whose outcome is unknown can be resolved.")
        who = getattr(user, "username", "") or "someone"
        OrderStatusChange.objects.create(
            order=order, status=Status.PENDING, note=f"Resolved by {who}: placed as #{remote_id}"
        )
    order.refresh_from_db()
    return order


def order_resolve_not_placed(
    *, order: Order, user: Any = None, place_again: bool = False
) -> Order | None:
    """A person confirmed the panel has no such order. With `place_again`, a new attempt is
    queued (the person confirmed it); returns that new order. If the new attempt cannot be
    created (the service changed), nothing changes: the order stays unknown."""
    with transaction.atomic():
        return _resolve_not_placed(order=order, user=user, place_again=place_again)


def _resolve_not_placed(*, order: Order, user: Any, place_again: bool) -> Order | None:
    updated = Order.objects.filter(pk=order.pk, state=Order.State.UNKNOWN).update(
        state=Order.State.NOT_PLACED,
        finished_at=timezone.now(),
        error_reason="not_placed",
        last_error=f"Confirmed not placed by {getattr(user, 'username', '') or 'someone'}.",
    )
    if not updated:
        raise ValidationError("Only an order whose outcome is unknown can be resolved.")
    order.refresh_from_db()
    if not place_again:
        return None
    return order_create(
        service=order.service,
        values=form_values(order),
        placed_by=user,
        source=order.source,
        retry_of=order,
    )
