"""Thin Celery task: fold the report totals' change log on a schedule."""

from __future__ import annotations

import logging

from celery import shared_task

from reports import services

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def totals_fold() -> None:
    """Never raises: unfolded changes are still counted by every report, just read slower."""
    try:
        services.totals_fold()
    except Exception:
        logger.exception("folding the report totals failed")
