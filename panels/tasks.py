"""Thin Celery tasks: take ids, look the row up, call one service function.

Periodic work fans out one task per panel, so one broken panel never holds up the others.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from core.logcontext import log_context
from panels import services
from panels.api.errors import PanelError
from panels.models import CatalogSync, Panel

logger = logging.getLogger(__name__)


def _active_panel(panel_id: int) -> Panel | None:
    panel = Panel.objects.filter(pk=panel_id, is_active=True).first()
    if panel is None:
        logger.info("panel %s is gone or inactive; nothing to do", panel_id)
    return panel


@shared_task(acks_late=True, ignore_result=True)
def catalog_sync(panel_id: int, run_id: int | None = None) -> None:
    """Never raises: catalog_sync records its failures on the panel and the run; an error
    that even that could not record (the database is gone) is logged, and the stale-run rule
    closes the run later."""
    with log_context(panel_id=panel_id):
        try:
            _catalog_sync(panel_id, run_id)
        except PanelError as exc:
            # Recorded on the panel (health, last error); the next scheduled run tries again.
            logger.warning("catalog sync of panel %s failed: %s", panel_id, exc)
        except Exception:
            logger.exception("catalog sync of panel %s failed", panel_id)


def _catalog_sync(panel_id: int, run_id: int | None) -> None:
    panel = _active_panel(panel_id)
    run = CatalogSync.objects.filter(pk=run_id).first() if run_id else None
    if panel is None:
        if run is not None:
            CatalogSync.objects.filter(pk=run.pk).update(
                state=CatalogSync.State.FAILED,
                finished_at=timezone.now(),
                error="The panel was disabled or removed.",
            )
        return
    # The balance too (first: the card swapped in once the run is done shows it). A failure
    # is recorded on the panel; the catalog sync then says what it finds.
    try:
        services.balance_sync(panel=panel)
    except PanelError as exc:
        logger.warning("balance of panel %s not read before its catalog sync: %s", panel_id, exc)
    result = services.catalog_sync(panel=panel, run=run)
    logger.info("catalog sync of panel %s: %s", panel_id, result)


@shared_task(acks_late=True, ignore_result=True)
def balance_sync(panel_id: int) -> None:
    panel = _active_panel(panel_id)
    if panel is None:
        return
    with log_context(panel_id=panel_id):
        try:
            services.balance_sync(panel=panel)
        except PanelError as exc:
            logger.warning("balance sync of panel %s failed: %s", panel_id, exc)


@shared_task(acks_late=True, ignore_result=True)
def balance_refresh(panel_id: int) -> None:
    """The debounced read after orders or a bulk action (services.balance_refresh_soon)."""
    services.balance_refresh_started(panel_id=panel_id)
    balance_sync(panel_id)


@shared_task(ignore_result=True)
def catalog_sync_all() -> None:
    for panel in Panel.objects.filter(is_active=True):
        services.catalog_sync_start(panel=panel, trigger=CatalogSync.Trigger.SCHEDULE)


@shared_task(ignore_result=True)
def balance_sync_all() -> None:
    for panel_id in Panel.objects.filter(is_active=True).values_list("pk", flat=True):
        balance_sync.delay(panel_id)
