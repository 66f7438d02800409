"""Writes for panels: create, record health, rotate encryption keys (the balance: balance.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from panels import crypto
from panels.api.answer_values import clean
from panels.api.errors import PanelError
from panels.models import Panel
from panels.services.explain import explain_error

logger = logging.getLogger(__name__)


@sensitive_variables("api_key")
def panel_create(
    *,
    name: str,
    api_url: str,
    api_key: str,
    **options: Any,
) -> Panel:
    panel = Panel(name=name, api_url=api_url, **options)
    panel.api_key = api_key
    panel.full_clean()
    panel.save()
    return panel


def panel_set_active(*, panel: Panel, active: bool) -> Panel:
    """Enable or disable a panel. Nothing is deleted: its services, orders and history stay;
    a disabled panel is no longer synced."""
    panel.is_active = active
    panel.save(update_fields=["is_active", "updated_at"])
    return panel


def panel_mark_ok(*, panel: Panel) -> None:
    now = timezone.now()
    Panel.objects.filter(pk=panel.pk).update(
        health=Panel.Health.OK, failing_since=None, last_ok_at=now
    )
    panel.health, panel.failing_since, panel.last_ok_at = Panel.Health.OK, None, now


def panel_mark_failing(*, panel: Panel, error: PanelError | Exception) -> None:
    """Record the failure; `failing_since` keeps the time of the first failure in a row."""
    now = timezone.now()
    message = explain_error(error)
    technical = getattr(error, "message", "")
    if technical and technical != message:
        message = f"{message}\n{technical}"
    message = clean(message)  # the panel's words may hold NUL, which PostgreSQL refuses
    since = panel.failing_since if panel.health == Panel.Health.FAILING else now
    Panel.objects.filter(pk=panel.pk).update(
        health=Panel.Health.FAILING, failing_since=since, last_error=message, last_error_at=now
    )
    panel.health, panel.failing_since = Panel.Health.FAILING, since
    panel.last_error, panel.last_error_at = message, now


def panel_note_problem(*, panel: Panel, message: str) -> None:
    """The panel answered (it is OK), but part of its answer could not be used: say what in
    its last error, where people look, without marking it failing."""
    panel_mark_ok(panel=panel)
    now, message = timezone.now(), clean(message)
    Panel.objects.filter(pk=panel.pk).update(last_error=message, last_error_at=now)
    panel.last_error, panel.last_error_at = message, now


def panel_keys_rotate() -> int:
    """Re-encrypt every panel's API key under the first configured encryption key."""
    count = 0
    with transaction.atomic():
        for panel in Panel.objects.select_for_update().only("pk", "api_key_encrypted"):
            Panel.objects.filter(pk=panel.pk).update(
                api_key_encrypted=crypto.rotate(panel.api_key_encrypted)
            )
            count += 1
    return count
