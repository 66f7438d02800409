"""`{{ panel|panel_health }}`: the panel's health in words (panels.health)."""

from __future__ import annotations

from django import template

from panels.health import HealthWords, health_words
from panels.models import Panel

register = template.Library()


@register.filter
def panel_health(panel: Panel) -> HealthWords:
    return health_words(panel)
