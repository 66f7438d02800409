"""Writes for panels and their catalog: create, sync catalog and balance, record health."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from panels import crypto
from panels.client import PanelClient
from panels.errors import PanelError
from panels.models import Panel, Service
from panels.results import Service as RemoteService

logger = logging.getLogger(__name__)

_SYNCED_FIELDS = (
    "name", "type", "raw_type", "category", "rate", "min_quantity", "max_quantity", "refill",
    "cancel", "dripfeed", "refill_days", "description", "is_active", "last_seen_at", "raw",
)  # fmt: skip


def panel_create(
    *,
    name: str,
    api_url: str,
    api_key: str,
    **options: Any,
) -> Panel:
    panel = Panel(name=name, api_url=api_url, **options)
    panel.api_key = api_key
    panel.full_clean()
    panel.save()
    return panel


def panel_mark_ok(*, panel: Panel) -> None:
    now = timezone.now()
    Panel.objects.filter(pk=panel.pk).update(
        health=Panel.Health.OK, failing_since=None, last_ok_at=now
    )
    panel.health, panel.failing_since, panel.last_ok_at = Panel.Health.OK, None, now


def panel_mark_failing(*, panel: Panel, error: PanelError | Exception) -> None:
    """Record the failure; `failing_since` keeps the time of the first failure in a row."""
    now = timezone.now()
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    since = panel.failing_since if panel.health == Panel.Health.FAILING else now
    Panel.objects.filter(pk=panel.pk).update(
        health=Panel.Health.FAILING, failing_since=since, last_error=message, last_error_at=now
    )
    panel.health, panel.failing_since = Panel.Health.FAILING, since
    panel.last_error, panel.last_error_at = message, now


@dataclass(frozen=True)
class CatalogSyncResult:
    created: int
    updated: int
    deactivated: int
    skipped: int


def _service_values(remote: RemoteService, now: Any) -> dict[str, Any]:
    return {
        "name": remote.name[:500],
        "type": remote.type,
        "raw_type": remote.raw_type[:100],
        "category": remote.category[:300],
        "rate": remote.rate,
        "min_quantity": max(remote.min, 0),
        "max_quantity": max(remote.max, 0),
        "refill": remote.refill,
        "cancel": remote.cancel,
        "dripfeed": remote.dripfeed,
        "refill_days": remote.refill_days
        if remote.refill_days and remote.refill_days > 0
        else None,
        "description": remote.description,
        "is_active": True,
        "last_seen_at": now,
        "raw": remote.raw,
    }


def catalog_sync(*, panel: Panel, client: PanelClient | None = None) -> CatalogSyncResult:
    """Bring the panel's catalog into the database.

    Services the panel no longer lists are marked inactive, never deleted: orders keep pointing
    at the service they were placed on. Raises PanelError (after recording it on the panel).
    """
    client = client or panel.client()
    try:
        catalog = client.services()
    except PanelError as exc:
        panel_mark_failing(panel=panel, error=exc)
        raise
    for item in catalog.skipped:
        logger.warning("panel %s: skipped a catalog entry: %s", panel.pk, item.problem)
    id_limit = Service._meta.get_field("remote_id").max_length or 100
    usable = [r for r in catalog.services if len(r.service_id) <= id_limit]
    for remote in catalog.services:
        if len(remote.service_id) > id_limit:
            logger.warning("panel %s: skipped a service with an id over %s characters",
                           panel.pk, id_limit)  # fmt: skip

    now = timezone.now()
    with transaction.atomic():
        existing = {s.remote_id: s for s in Service.objects.filter(panel=panel)}
        to_create, to_update = [], []
        for remote in usable:
            values = _service_values(remote, now)
            service = existing.pop(remote.service_id, None)
            if service is None:
                to_create.append(Service(panel=panel, remote_id=remote.service_id, **values))
            else:
                for field, value in values.items():
                    setattr(service, field, value)
                to_update.append(service)
        Service.objects.bulk_create(to_create, batch_size=500)
        Service.objects.bulk_update(to_update, _SYNCED_FIELDS, batch_size=500)
        gone = [s.pk for s in existing.values() if s.is_active]
        Service.objects.filter(pk__in=gone).update(is_active=False)
        Panel.objects.filter(pk=panel.pk).update(catalog_synced_at=now)
    panel.catalog_synced_at = now
    panel_mark_ok(panel=panel)
    skipped = len(catalog.skipped) + len(catalog.services) - len(usable)
    return CatalogSyncResult(len(to_create), len(to_update), len(gone), skipped)


def balance_sync(*, panel: Panel, client: PanelClient | None = None) -> None:
    client = client or panel.client()
    try:
        balance = client.balance()
    except PanelError as exc:
        panel_mark_failing(panel=panel, error=exc)
        raise
    now = timezone.now()
    currency = balance.currency or panel.currency
    Panel.objects.filter(pk=panel.pk).update(
        balance=balance.amount, currency=currency, balance_checked_at=now
    )
    panel.balance, panel.currency, panel.balance_checked_at = balance.amount, currency, now
    panel_mark_ok(panel=panel)


def panel_keys_rotate() -> int:
    """Re-encrypt every panel's API key under the first configured encryption key."""
    count = 0
    with transaction.atomic():
        for panel in Panel.objects.select_for_update().only("pk", "api_key_encrypted"):
            Panel.objects.filter(pk=panel.pk).update(
                api_key_encrypted=crypto.rotate(panel.api_key_encrypted)
            )
            count += 1
    return count
