"""Whether a message goes out now, waits, or is suppressed: a channel's storm rules.

- A channel on a daily digest holds every message for the digest.
- In a channel's quiet hours messages are held, and go out as one summary when they end.
- Past a channel's hourly cap a message is suppressed, and the log says so; it is listed in
  the next summary, sent once the last hour's messages leave room.
Nothing is dropped: every message not sent on its own goes out in a summary
(`alerts.services.summaries`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from alerts.models import COUNTED_STATUSES, Channel, Delivery


def clock(value: time | None) -> str:
    return value.strftime("%H:%M") if value is not None else ""


def in_quiet_hours(channel: Channel, now: datetime) -> bool:
    start, end = channel.quiet_from, channel.quiet_until
    if start is None or end is None or start == end:
        return False
    local = timezone.localtime(now).time()
    if start < end:
        return start <= local < end
    return local >= start or local < end  # over midnight: 22:00 to 07:00


@dataclass
class Budget:
    """Messages each channel has sent or is sending in the last hour, counted as they go."""

    used: dict[int, int]

    @classmethod
    def load(cls, *, now: datetime) -> Budget:
        rows = (
            Delivery.objects.filter(
                status__in=COUNTED_STATUSES, created_at__gt=now - timedelta(hours=1)
            )
            .exclude(event=Delivery.Event.TEST)  # a person testing is not a storm
            .order_by()
            .values("channel_id")
            .annotate(n=Count("id"))
        )
        return cls({row["channel_id"]: row["n"] for row in rows})

    def has_room(self, channel: Channel) -> bool:
        return self.used.get(channel.pk, 0) < channel.hourly_cap

    def take(self, channel: Channel) -> bool:
        """One message more for the channel, if its cap allows it."""
        if not self.has_room(channel):
            return False
        self.used[channel.pk] = self.used.get(channel.pk, 0) + 1
        return True


def decide(channel: Channel, *, now: datetime, budget: Budget) -> tuple[str, str]:
    """(status, reason) of a new alert or resolved message to the channel."""
    if channel.digest:
        return Delivery.Status.HELD, f"Kept for the daily digest at {channel.digest_hour:02d}:00."
    if in_quiet_hours(channel, now):
        span = f"{clock(channel.quiet_from)}–{clock(channel.quiet_until)}"
        return Delivery.Status.HELD, f"Quiet hours ({span}): sent in one summary when they end."
    if not budget.take(channel):
        return (
            Delivery.Status.SUPPRESSED,
            f"Over this channel's cap of {channel.hourly_cap} messages an hour: listed in the "
            "next summary, once the hour has room.",
        )
    return Delivery.Status.QUEUED, ""
