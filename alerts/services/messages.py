"""What a message says: what happened, what it touches, and the page that resolves it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from alerts.models import Condition, Delivery


def page_url(link: str) -> str:
    return settings.DASHBOARD_URL.rstrip("/") + link if link else settings.DASHBOARD_URL


def compose(condition: Condition, event: str, *, now: datetime) -> tuple[str, str]:
    """A message's title and body: what happened, what it touches, where to resolve it."""
    if event == Delivery.Event.RESOLVED:
        lasted = _duration(now - min(condition.since, condition.opened_at))
        title = f"Resolved: {condition.title}"
        body = f"No longer the case at {now:%Y-%m-%d %H:%M} UTC, after {lasted}."
        return title[:300], f"{body}\n{page_url(condition.link)}"
    return condition.title[:300], f"{condition.body}\n\nResolve it: {page_url(condition.link)}"


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days"
