"""Thin Celery tasks: the periodic reconciliation fans out one task per panel."""

from __future__ import annotations

import logging

from celery import shared_task

from core.logcontext import log_context
from ledger import services
from panels.models import BalanceReading, Panel

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def reconcile(panel_id: int) -> None:
    """Never raises: a failure is logged and the next run starts where this one stopped."""
    with log_context(panel_id=panel_id):
        panel = Panel.objects.filter(pk=panel_id).first()
        if panel is None:
            return
        try:
            services.panel_reconcile(panel=panel)
        except Exception:
            logger.exception("balance reconciliation of panel %s failed", panel_id)


@shared_task(ignore_result=True)
def reconcile_all() -> None:
    """Every panel with balance readings, one task each (one broken panel stops no other)."""
    panel_ids = BalanceReading.objects.values_list("panel_id", flat=True).distinct().order_by()
    for panel_id in panel_ids:
        reconcile.delay(panel_id)
