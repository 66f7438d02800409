"""`{{ panel|panel_health }}`: the panel's health in words; `{{ when|read_age }}`: "read 3
minutes ago" (panels.health)."""

from __future__ import annotations

from datetime import datetime

from django import template

from panels import health
from panels.models import Panel

register = template.Library()


@register.filter
def panel_health(panel: Panel) -> health.HealthWords:
    return health.health_words(panel)


@register.filter
def read_age(moment: datetime | None) -> str:
    return health.read_age(moment)
