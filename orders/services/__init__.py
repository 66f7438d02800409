"""Writes for orders: placement (the flow that never double-buys) and status sync."""

from orders.services.placement import (
    order_claim,
    order_claim_next,
    order_create,
    order_dispatch,
    order_resolve_not_placed,
    order_resolve_placed,
    orders_reap_stuck,
)
from orders.services.status import (
    StatusSyncResult,
    orders_refresh,
    orders_status_sync,
    orders_to_sync,
)

__all__ = [
    "StatusSyncResult",
    "order_claim",
    "order_claim_next",
    "order_create",
    "order_dispatch",
    "order_resolve_not_placed",
    "order_resolve_placed",
    "orders_reap_stuck",
    "orders_refresh",
    "orders_status_sync",
    "orders_to_sync",
]
