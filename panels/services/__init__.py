"""Writes for panels and their catalog (see the modules for the details)."""

from panels.services.catalog import (
    CatalogSyncResult,
    EmptyCatalog,
    catalog_sync,
    catalog_sync_start,
)
from panels.services.connection import ConnectionCheck, panel_connection_test
from panels.services.panel import (
    balance_sync,
    panel_create,
    panel_keys_rotate,
    panel_mark_failing,
    panel_mark_ok,
)

__all__ = [
    "CatalogSyncResult",
    "ConnectionCheck",
    "EmptyCatalog",
    "balance_sync",
    "catalog_sync",
    "catalog_sync_start",
    "panel_connection_test",
    "panel_create",
    "panel_keys_rotate",
    "panel_mark_failing",
    "panel_mark_ok",
]
