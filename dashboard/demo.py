"""The setup behind `make run`: a demo login and a demo panel backed by the simulator."""

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
DEMO_PANEL_NAME = "Demo panel (simulator)"
DEMO_PANEL_KEY = "demo-key"


@dataclass(frozen=True)
class DemoSetup:
    user: AbstractUser
    password: str
    panel: Panel


def _password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-login.txt"


def demo_user_ensure() -> tuple[AbstractUser, str]:
    """The demo superuser. Its password is made once, kept in var/, and printed every run."""
    path = _password_file()
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


def demo_panel_ensure(*, api_url: str) -> Panel:
    panel = Panel.objects.filter(name=DEMO_PANEL_NAME).first() or Panel(name=DEMO_PANEL_NAME)
    panel.api_url = api_url
    panel.api_key = DEMO_PANEL_KEY
    panel.is_active = True
    panel.full_clean()
    panel.save()
    return panel


def demo_setup(*, simulator_url: str, migrate: bool = True) -> DemoSetup:
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    with transaction.atomic():
        user, password = demo_user_ensure()
        panel = demo_panel_ensure(api_url=simulator_url)
    return DemoSetup(user=user, password=password, panel=panel)
