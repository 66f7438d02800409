"""The setup behind `make run`: a demo login and demo panels backed by the simulator."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.core.management import call_command
from django.db import transaction

from panels.models import Panel

DEMO_USERNAME = "demo"
DEMO_PANEL_KEY = "demo-key"
# Three shops on one simulator, each selling the same kinds of services under its own names
# and prices (the simulator's catalogs), so the catalog comparison has something to compare.
DEMO_PANELS = (
    ("Demo panel A (simulator)", ""),
    ("Demo panel B (simulator)", "alt1"),
    ("Demo panel C (simulator)", "alt2"),
)
DEMO_PANEL_NAME = DEMO_PANELS[0][0]


@dataclass(frozen=True)
class DemoSetup:
    user: AbstractUser
    password: str
    panels: list[Panel]

    @property
    def panel(self) -> Panel:
        return self.panels[0]


def demo_password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-login.txt"


def demo_user_ensure() -> tuple[AbstractUser, str]:
    """The demo superuser. Its password is made once, kept in var/, and printed every run."""
    path = demo_password_file()
    password = path.read_text().strip() if path.exists() else ""
    if not password:
        password = secrets.token_urlsafe(12)
        path.write_text(password + "\n")
        path.chmod(0o600)
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(
        username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
    )
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user, password


def demo_panel_ensure(*, name: str, api_url: str) -> Panel:
    panel = Panel.objects.filter(name=name).first() or Panel(name=name)
    panel.api_url = api_url
    panel.api_key = DEMO_PANEL_KEY
    panel.is_active = True
    panel.full_clean()
    panel.save()
    return panel


def demo_setup(*, simulator_base_url: str, migrate: bool = True) -> DemoSetup:
    """Migrate, then the demo login and the three demo panels (idempotent)."""
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    base = simulator_base_url.rstrip("/")
    with transaction.atomic():
        user, password = demo_user_ensure()
        panels = [
            demo_panel_ensure(name=name, api_url=f"{base}{'/' + catalog if catalog else ''}/api/v2")
            for name, catalog in DEMO_PANELS
        ]
    return DemoSetup(user=user, password=password, panels=panels)
