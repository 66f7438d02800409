"""What the sync commands share: which panels `--panel NAME` (or its absence) means."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.db.models import QuerySet

from panels.models import Panel


def add_panel_argument(parser: Any) -> None:
    parser.add_argument("--panel", help="the panel's name (default: every active panel)")


def selected_panels(name: str | None) -> QuerySet[Panel]:
    """Every active panel, or the one named (even disabled: naming it is asking for it)."""
    if not name:
        return Panel.objects.filter(is_active=True)
    panels = Panel.objects.filter(name=name)
    if not panels.exists():
        raise CommandError(f"No panel is named {name!r}.")
    return panels
