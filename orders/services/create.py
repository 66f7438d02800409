"""Queueing an order: validated and saved as QUEUED in a transaction, its panel's
dispatcher woken once that commits (placement.py sends it). The one way an order comes to be,
for the form, uploads, placing again and fail-over alike: an upload builds its orders the same
way (`order_build`) and inserts them together."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from orders.links import target_key
from orders.models import Order
from orders.validation import validate_order
from panels.models import Service


def order_create(
    *,
    service: Service,
    values: Mapping[str, object],
    placed_by: Any = None,
    source: str = Order.Source.FORM,
    retry_of: Order | None = None,
    upload: Any = None,
    upload_row: int | None = None,
    client_ref: uuid.UUID | None = None,
    dispatch: bool = True,
    sale_price: Decimal | None = None,
    customer_ref: str = "",
    route: dict[str, Any] | None = None,
) -> Order:
    """Validate and queue one order. Raises ValidationError with per-field messages.

    `client_ref` (a form's own id) makes a second copy of the same request fail on the
    unique reference. With `dispatch=False` the caller wakes the panel's dispatcher itself
    (`order_dispatch_soon`), once for many orders. `sale_price` (in the base currency) and
    `customer_ref` are the reseller's own: stored, never sent to the panel. `route`: how a
    routed order's panel was chosen (Order.route; orders/services/failover.py).
    """
    order = order_build(
        service=service,
        values=values,
        placed_by=placed_by,
        source=source,
        retry_of=retry_of,
        upload=upload,
        upload_row=upload_row,
        client_ref=client_ref,
        sale_price=sale_price,
        customer_ref=customer_ref,
        route=route,
    )
    with transaction.atomic():
        order.save(force_insert=True)
        if dispatch:
            order_dispatch_soon(panel_id=order.panel_id)
    return order


def order_build(
    *,
    service: Service,
    values: Mapping[str, object],
    placed_by: Any = None,
    source: str = Order.Source.FORM,
    retry_of: Order | None = None,
    upload: Any = None,
    upload_row: int | None = None,
    client_ref: uuid.UUID | None = None,
    sale_price: Decimal | None = None,
    customer_ref: str = "",
    route: dict[str, Any] | None = None,
) -> Order:
    """The QUEUED order `order_create` saves, validated the same way, not saved yet, with its
    link key (Order.save sets it; a bulk insert does not call save). For a caller queueing
    many orders in one transaction with `Order.objects.bulk_create` (an upload), which then
    wakes each panel's dispatcher once (`order_dispatch_soon`)."""
    if not service.is_active or not service.panel.is_active:
        raise ValidationError("This service is no longer offered (or its panel is disabled).")
    clean, errors = validate_order(service, values)
    if clean is None:
        raise ValidationError(errors)
    return Order(
        panel=service.panel,
        service=service,
        order_type=service.type,
        link=clean.link,
        link_key=target_key(link=clean.link, params=clean.params),
        quantity=clean.quantity,
        runs=clean.runs,
        interval=clean.interval,
        params=clean.params,
        estimated_cost=clean.estimated_cost,
        currency=service.panel.currency,
        sale_price=sale_price,
        customer_ref=customer_ref[:200],
        placed_by=placed_by,
        source=source,
        retry_of=retry_of,
        upload=upload,
        upload_row=upload_row,
        route=route or {},
        **({"client_ref": client_ref} if client_ref else {}),
    )


def order_dispatch_soon(*, panel_id: int) -> None:
    """Wake the panel's dispatcher once the current transaction commits.

    Robust: with the broker down the order is saved all the same and the person gets no error
    page; the dispatch sweep sends it once the broker is back.
    """
    transaction.on_commit(lambda: _enqueue_dispatch(panel_id), robust=True)


def _enqueue_dispatch(panel_id: int) -> None:
    from orders.tasks import dispatch_panel  # the tasks import the services

    dispatch_panel.delay(panel_id)
