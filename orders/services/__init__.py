"""Writes for orders: placement (the flow that never double-buys) and status sync."""

from orders.services.claim import PanelQueue, order_claim, order_claim_next
from orders.services.create import order_create
from orders.services.dispatching import OutcomeRecorder
from orders.services.outcomes import (
    order_acknowledge_attention,
    order_late_answer,
    orders_reap_stuck,
    stuck_after,
)
from orders.services.placement import Outcome, order_dispatch, order_send
from orders.services.resolve import order_resolve_not_placed, order_resolve_placed
from orders.services.status import (
    StatusSyncResult,
    orders_refresh,
    orders_status_sync,
    orders_to_sync,
)

__all__ = [
    "Outcome",
    "OutcomeRecorder",
    "PanelQueue",
    "StatusSyncResult",
    "order_acknowledge_attention",
    "order_claim",
    "order_claim_next",
    "order_create",
    "order_dispatch",
    "order_late_answer",
    "order_resolve_not_placed",
    "order_resolve_placed",
    "order_send",
    "orders_reap_stuck",
    "orders_refresh",
    "orders_status_sync",
    "orders_to_sync",
    "stuck_after",
]
