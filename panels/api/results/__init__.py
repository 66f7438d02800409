"""Typed answers of the API v2 actions, and how to read them from a panel's JSON.

Money is Decimal (the client parses JSON numbers straight to Decimal), remote ids are strings,
booleans and statuses are normalised, and every result keeps the raw value it came from.
No Django imports.
"""

from panels.api.results.base import Raw, ShapeError
from panels.api.results.catalog import (
    Catalog,
    Service,
    SkippedService,
    catalog_entries,
    parse_catalog,
    parse_service,
)
from panels.api.results.orders import (
    OrderPlaced,
    OrderStatus,
    order_id_of,
    parse_order_placed,
    parse_order_status,
    parse_status_batch,
)
from panels.api.results.writes import (
    Balance,
    CancelResult,
    RefillCreated,
    RefillState,
    parse_balance,
    parse_cancel_batch,
    parse_refill_batch,
    parse_refill_created,
    parse_refill_state,
    parse_refill_state_batch,
)

__all__ = [
    "Balance",
    "CancelResult",
    "Catalog",
    "OrderPlaced",
    "OrderStatus",
    "Raw",
    "RefillCreated",
    "RefillState",
    "Service",
    "ShapeError",
    "SkippedService",
    "catalog_entries",
    "order_id_of",
    "parse_balance",
    "parse_cancel_batch",
    "parse_catalog",
    "parse_order_placed",
    "parse_order_status",
    "parse_refill_batch",
    "parse_refill_created",
    "parse_refill_state",
    "parse_refill_state_batch",
    "parse_service",
    "parse_status_batch",
]
