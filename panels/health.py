"""A panel's health in words: what is wrong, since when, and whether its last error still
holds; and how old what we read from it is. Shared by the Panels page, the overview and the
order pages (templates through the `panel_health` and `read_age` filters)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.timesince import timesince

from panels.api.errors import Reason, reason_for
from panels.models import Panel

JUST_NOW = timedelta(minutes=1)


@dataclass(frozen=True)
class HealthWords:
    failing: bool
    refused_key: bool  # the panel refused the API key: nothing helps but a new key
    headline: str  # "The panel refused the API key", "Not answering", "OK"...
    since: str  # "just now", "since 14:05", "since 3 Dec, 14:05"; "" when not failing
    duration: str  # "3 hours" once it is a minute or more; never "0 minutes"
    error_is_current: bool  # False once the panel answered well after its last error


def when_text(moment: datetime, now: datetime) -> str:
    """ "just now" within a minute, else the time (with the day when it is not today)."""
    if now - moment < JUST_NOW:
        return "just now"
    local, today = timezone.localtime(moment), timezone.localtime(now)
    pattern = "%H:%M" if local.date() == today.date() else "%-d %b, %H:%M"
    return f"since {local.strftime(pattern)}"


def read_age(moment: datetime | None, *, now: datetime | None = None) -> str:
    """How old a value read from a panel is: "read just now", "read 3 minutes ago"."""
    if moment is None:
        return "never read"
    now = now or timezone.now()
    if now - moment < JUST_NOW:
        return "read just now"
    return f"read {timesince(moment, now)} ago"


def health_words(panel: Panel, *, now: datetime | None = None) -> HealthWords:
    now = now or timezone.now()
    failing = panel.health == Panel.Health.FAILING
    # The stored error is our own plain words (explain_error), read with the same
    # classification the client applies to the panel's answers.
    refused_key = failing and reason_for(panel.last_error) == Reason.BAD_KEY
    if refused_key:
        headline = "The panel refused the API key"
    elif failing:
        headline = "Not answering"
    else:
        headline = panel.get_health_display()
    since = duration = ""
    if failing and panel.failing_since is not None:
        since = when_text(panel.failing_since, now)
        if now - panel.failing_since >= JUST_NOW:
            duration = timesince(panel.failing_since, now)
    answered_after = (
        panel.last_ok_at is not None
        and panel.last_error_at is not None
        and panel.last_ok_at > panel.last_error_at
    )
    return HealthWords(
        failing=failing,
        refused_key=refused_key,
        headline=headline,
        since=since,
        duration=duration,
        error_is_current=bool(panel.last_error) and (failing or not answered_after),
    )
