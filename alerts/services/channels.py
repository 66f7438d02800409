"""A channel saved, tested or removed."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from alerts import channels
from alerts.models import Channel, Delivery
from alerts.services.messages import page_url

TEST_TITLE = "Test message from the SMM dashboard"


def channel_save(*, channel: Channel, secret: str) -> Channel:
    """Save a channel; a typed secret replaces the stored one, an empty one keeps it."""
    if secret.strip():
        channel.secret = secret
    channel.save()
    return channel


def channel_test(*, channel: Channel) -> Delivery:
    """Send a test message now, in this request, and log it with its exact error if any."""
    body = (
        f"If you can read this, the channel “{channel.name}” works: alerts will arrive here. "
        f"The alert log: {page_url(reverse('alerts:page'))}"
    )
    started = timezone.now()
    error = channels.send(channel, title=TEST_TITLE, body=body)
    return Delivery.objects.create(
        channel=channel,
        event=Delivery.Event.TEST,
        status=Delivery.Status.SENT if error is None else Delivery.Status.FAILED,
        reason=error or "",
        title=TEST_TITLE,
        body=body,
        attempts=1,
        created_at=started,
        sent_at=timezone.now() if error is None else None,
    )


def channel_delete(*, channel: Channel) -> None:
    channel.delete()
