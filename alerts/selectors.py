"""The Alerts page's reads: channels, what is wrong now, and the alert log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from alerts.models import Channel, Condition, Delivery

LOG_PAGE_SIZE = 50


@dataclass(frozen=True)
class LogFilter:
    status: str = ""
    channel_id: int | None = None


def channels_with_counts() -> QuerySet[Channel]:
    """Each channel with its messages in the log by outcome. One query."""
    return Channel.objects.annotate(
        sent=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SENT)),
        failed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.FAILED)),
        suppressed=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SUPPRESSED)),
        held=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.HELD)),
    ).order_by("name")


def open_conditions() -> list[Condition]:
    return list(Condition.objects.filter(resolved_at__isnull=True).order_by("-opened_at")[:100])


def log_page(*, filters: LogFilter, number: str | None) -> Page:
    rows = Delivery.objects.select_related("channel").order_by("-created_at", "-id")
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.channel_id is not None:
        rows = rows.filter(channel_id=filters.channel_id)
    return Paginator(rows, LOG_PAGE_SIZE).get_page(number)


FAILURES_READ = 50


def failed_recently(*, now: datetime, hours: int = 24) -> list[Delivery]:
    """Alert messages that could not be sent in the last `hours` (tests aside: the person saw
    those fail), newest first, at most FAILURES_READ. One query."""
    return list(
        Delivery.objects.filter(
            status=Delivery.Status.FAILED, created_at__gte=now - timedelta(hours=hours)
        )
        .exclude(event=Delivery.Event.TEST)
        .select_related("channel")
        .order_by("-created_at", "-id")[:FAILURES_READ]
    )
