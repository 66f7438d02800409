"""A person resolving an order whose outcome is unknown by the id they found on the panel's
site: the panel is asked about the id first, since a typo would track someone else's order
(or nothing). Recording it is `placement.order_resolve_placed`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from orders.models import Order
from orders.services.placement import order_resolve_placed
from panels.api.errors import ItemError, PanelError, Reason


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
