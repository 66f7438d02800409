"""Thin Celery task: keep the report totals (fold the change log, convert closed months) on a
schedule."""

from __future__ import annotations

import logging

from celery import shared_task

from reports import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def totals_fold() -> None:
    """Never raises: unfolded changes and stale months are still counted by every report
    (from the log and the days), just read slower."""
    try:
        services.totals_keep()
    except Exception:
        logger.exception("folding the report totals failed")
