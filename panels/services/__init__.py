"""Writes for panels and their catalog (see the modules for the details)."""

from panels.services.balance import (
    balance_check_soon,
    balance_refresh_soon,
    balance_refresh_started,
    balance_store,
    balance_sync,
)
from panels.services.catalog import (
    CatalogSyncResult,
    EmptyCatalog,
    catalog_sync,
    catalog_sync_start,
)
from panels.services.connection import (
    ConnectionCheck,
    panel_connection_test,
    panel_record_check,
)
from panels.services.panel import (
    panel_create,
    panel_keys_rotate,
    panel_mark_failing,
    panel_mark_ok,
    panel_set_active,
)

__all__ = [
    "CatalogSyncResult",
    "ConnectionCheck",
    "EmptyCatalog",
    "balance_check_soon",
    "balance_refresh_soon",
    "balance_refresh_started",
    "balance_store",
    "balance_sync",
    "catalog_sync",
    "catalog_sync_start",
    "panel_connection_test",
    "panel_create",
    "panel_keys_rotate",
    "panel_mark_failing",
    "panel_mark_ok",
    "panel_record_check",
    "panel_set_active",
]
