"""The alert log keeps ALERTS_LOG_DAYS of messages, and resolved conditions as long."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from alerts.models import Condition, Delivery


def alerts_log_prune(*, now: datetime) -> int:
    """Delete older messages and resolved conditions; returns how many messages went.
    Open conditions stay whatever their age: they are still being watched."""
    cutoff = now - timedelta(days=settings.ALERTS_LOG_DAYS)
    old = Delivery.objects.filter(created_at__lt=cutoff)
    # An open condition's messages stay: they are how the check knows who was told.
    old = old.exclude(condition__isnull=False, condition__resolved_at__isnull=True)
    deleted, _ = old.delete()
    Condition.objects.filter(resolved_at__lt=cutoff).delete()
    return deleted
