"""The alert log's badge colours, in the tones the other pages use."""

from __future__ import annotations

from django import template

from alerts.models import Delivery

register = template.Library()

# Good, waiting, bad, neutral: as orders' and panels' badges.
STATUS_TONES = {
    Delivery.Status.SENT: "ok",
    Delivery.Status.BUNDLED: "ok",
    Delivery.Status.QUEUED: "progress",
    Delivery.Status.SENDING: "progress",
    Delivery.Status.HELD: "neutral",
    Delivery.Status.SUPPRESSED: "warning",
    Delivery.Status.FAILED: "failing",
}


@register.filter
def delivery_tone(status: str) -> str:
    return STATUS_TONES.get(status, "neutral")  # type: ignore[call-overload]
