"""An order placed from the order form: once per form, whatever happens to the request.

The form carries its own reference (`client_ref`, a UUID made when the form was shown). A
double click, a reload or two tabs sending the same form all carry the same reference, and
the reference is unique: the first copy queues the order, every other copy finds it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError

from orders.models import Order
from orders.selectors import order_id_for_client_ref
from orders.services.create import order_create
from orders.services.failover import order_create_routed
from panels.models import Service


@dataclass(frozen=True)
class FormOrder:
    order_id: int
    order: Order | None  # None when this form had already been sent: `order_id` is that order


def order_create_once(
    *,
    service: Service,
    values: Mapping[str, object],
    placed_by: Any,
    client_ref: uuid.UUID,
    sale_price: Decimal | None = None,
    customer_ref: str = "",
    route_key: str = "",
) -> FormOrder:
    """Queue the order under the form's own reference, in one transaction: a second copy of
    the form fails on the unique reference and rolls back (its dispatch never runs), and the
    first copy's order is returned instead. Raises ValidationError with per-field messages
    when the values are not an order. With `route_key` the order goes to the best panel for
    that offer instead of `service`'s (orders/services/failover.py)."""
    common: dict[str, Any] = {
        "values": values,
        "placed_by": placed_by,
        "source": Order.Source.FORM,
        "client_ref": client_ref,
        "sale_price": sale_price,
        "customer_ref": customer_ref,
    }
    try:
        if route_key:
            order = order_create_routed(match_key=route_key, **common)
        else:
            order = order_create(service=service, **common)
    except IntegrityError:
        # A concurrent copy of this very form won the client reference: that is the order.
        first = order_id_for_client_ref(client_ref=client_ref)
        if first is None:
            raise
        return FormOrder(order_id=first, order=None)
    return FormOrder(order_id=order.pk, order=order)
