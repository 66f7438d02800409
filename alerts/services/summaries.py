"""Held messages go out together: a daily digest, or one summary when quiet hours end.

A summary is one Delivery (event "summary") whose body lists the held messages, newest last;
each held message becomes "bundled" and points at it, so the log shows where it went.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.urls import reverse
from django.utils import timezone

from alerts.models import Channel, Delivery
from alerts.services.messages import page_url
from alerts.services.policy import clock, in_quiet_hours

LISTED = 40  # lines of a summary; the rest are counted


def bundle_due(channels: list[Channel], *, now: datetime) -> list[Delivery]:
    """Write the summaries due now and bundle their held messages. Two queries, plus two
    writes per summary."""
    held: dict[int, list[Delivery]] = defaultdict(list)
    rows = Delivery.objects.filter(
        channel__in=[channel.pk for channel in channels], status=Delivery.Status.HELD
    ).order_by("created_at", "id")
    for row in rows:
        held[row.channel_id].append(row)
    summaries = []
    digests_done = []
    for channel in channels:
        if channel.digest:
            if not _digest_due(channel, now=now):
                continue
            digests_done.append(channel.pk)
            title = f"Daily digest: {_count(held[channel.pk])}"
        elif in_quiet_hours(channel, now):
            continue
        elif channel.quiet_from is not None:
            span = f"{clock(channel.quiet_from)}–{clock(channel.quiet_until)}"
            title = f"During quiet hours ({span}): {_count(held[channel.pk])}"
        else:  # held under a digest or quiet hours the channel no longer has
            title = f"Held messages: {_count(held[channel.pk])}"
        if held[channel.pk]:
            summaries.append(_summary(channel, held[channel.pk], title=title, now=now))
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
    lines = [f"• {row.created_at:%m-%d %H:%M} {row.title}" for row in rows[:LISTED]]
    if len(rows) > LISTED:
        lines.append(f"… and {len(rows) - LISTED} more in the alert log.")
    lines.append(f"The alert log: {page_url(reverse('alerts:page'))}")
    summary = Delivery.objects.create(
        channel=channel,
        event=Delivery.Event.SUMMARY,
        status=Delivery.Status.QUEUED,
        title=title[:300],
        body="\n".join(lines),
        created_at=now,
    )
    Delivery.objects.filter(pk__in=[row.pk for row in rows]).update(
        status=Delivery.Status.BUNDLED, summary=summary
    )
    return summary
