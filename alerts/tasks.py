"""Thin Celery tasks: the periodic check, and one task per message sent."""

from __future__ import annotations

import logging

from celery import Task, shared_task
from django.utils import timezone

from alerts.services.check import alerts_check
from alerts.services.prune import alerts_log_prune
from alerts.services.send import delivery_send
from core.logcontext import log_context

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def check() -> None:
    result = alerts_check()
    if result.opened or result.resolved:
        logger.info(
            "alerts: %s found, %s opened, %s resolved, %s queued, %s held, %s suppressed",
            result.found,
            result.opened,
            result.resolved,
            result.queued,
            result.held,
            result.suppressed,
        )


@shared_task(ignore_result=True)
def prune() -> None:
    alerts_log_prune(now=timezone.now())


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=None)
def deliver(self: Task, delivery_id: int) -> None:
    """Send one message; a failure is retried with backoff by a later task, never in place."""
    with log_context(alert_id=delivery_id):
        outcome = delivery_send(delivery_id=delivery_id)
        if outcome.retry_in is not None:
            logger.warning("alert %s not sent, retrying: %s", delivery_id, outcome.error)
            raise self.retry(countdown=outcome.retry_in)
        if outcome.error and outcome.error != "not queued":
            logger.warning("alert %s failed: %s", delivery_id, outcome.error)
