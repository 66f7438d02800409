"""Messages not sent on their own go out together: a daily digest, one summary when quiet
hours end, or one when the hourly cap has room again.

A summary is one Delivery (event "summary") whose body lists the messages, newest last; each
becomes "bundled" (keeping its reason) and points at it, so the log shows where it went.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from alerts.models import Channel, Delivery
from alerts.services.messages import page_url
from alerts.services.policy import Budget, clock, in_quiet_hours

LISTED = 40  # lines of a summary; the rest are counted


def bundle_due(channels: list[Channel], *, now: datetime, budget: Budget) -> list[Delivery]:
    """Write the summaries due now and bundle the messages they list. Two queries, plus two
    writes per summary. Held messages wait for a channel's digest or the end of its quiet
    hours; suppressed ones (over the cap) for the hour to have room: a summary is a message
    and counts against the cap."""
    waiting: dict[int, list[Delivery]] = defaultdict(list)
    rows = Delivery.objects.filter(
        channel__in=[channel.pk for channel in channels],
        status__in=[Delivery.Status.HELD, Delivery.Status.SUPPRESSED],
    ).order_by("created_at", "id")
    for row in rows:
        waiting[row.channel_id].append(row)
    summaries = []
    digests_done = []
    for channel in channels:
        listed = waiting[channel.pk]
        if channel.digest:
            if not _digest_due(channel, now=now):
                continue
            digests_done.append(channel.pk)
            if listed:
                title = f"Daily digest: {_count(listed)}"
                summaries.append(_summary(channel, listed, title=title, now=now))
            continue
        if not listed or in_quiet_hours(channel, now) or not budget.take(channel):
            continue
        if any(row.status == Delivery.Status.SUPPRESSED for row in listed):
            title = f"Over the hourly cap: {_count(listed)}"
        elif channel.quiet_from is not None:
            span = f"{clock(channel.quiet_from)}–{clock(channel.quiet_until)}"
            title = f"During quiet hours ({span}): {_count(listed)}"
        else:  # held under a digest or quiet hours the channel no longer has
            title = f"Held messages: {_count(listed)}"
        summaries.append(_summary(channel, listed, title=title, now=now))
    if digests_done:
        Channel.objects.filter(pk__in=digests_done).update(last_digest_on=timezone.localdate(now))
    return summaries


def _digest_due(channel: Channel, *, now: datetime) -> bool:
    local = timezone.localtime(now)
    if channel.last_digest_on is not None and channel.last_digest_on >= local.date():
        return False
    return local.hour >= channel.digest_hour


def _count(rows: list[Delivery]) -> str:
    alerts = sum(row.event == Delivery.Event.OPENED for row in rows)
    resolved = sum(row.event == Delivery.Event.RESOLVED for row in rows)
    return f"{alerts} alert{'s' * (alerts != 1)}, {resolved} resolved"


def _summary(channel: Channel, rows: list[Delivery], *, title: str, now: datetime) -> Delivery:
    lines = [
        f"• {timezone.localtime(row.created_at):%m-%d %H:%M} {row.title}" for row in rows[:LISTED]
    ]
    if len(rows) > LISTED:
        lines.append(f"… and {len(rows) - LISTED} more in the alert log.")
    lines.append(
        f"Times in {settings.TIME_ZONE}. The alert log: {page_url(reverse('alerts:page'))}"
    )
    summary = Delivery.objects.create(
        channel=channel,
        event=Delivery.Event.SUMMARY,
        status=Delivery.Status.QUEUED,
        title=title[:300],
        body="\n".join(lines),
        created_at=now,
        queued_at=now,
    )
    Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=Delivery.Status.BUNDLED, summary=summary
    )
    return summary
