"""Writes the panels pages call: enabling or disabling a panel, and reading a saved panel's
balance in the background."""

from __future__ import annotations

import pytest

from panels import tasks
from panels.models import Panel
from panels.services import balance_check_soon, panel_set_active

pytestmark = pytest.mark.django_db


@pytest.fixture
def panel() -> Panel:
    panel = Panel(name="Alpha", api_url="https://panel.example/api/v2")
    panel.api_key = "k"
    panel.save()
    return panel


def test_a_disabled_panel_keeps_everything_and_can_be_enabled_again(panel: Panel) -> None:
    panel_set_active(panel=panel, active=False)
    assert Panel.objects.get(pk=panel.pk).is_active is False

    panel_set_active(panel=panel, active=True)
    assert Panel.objects.get(pk=panel.pk).is_active is True


def test_a_saved_panel_has_its_balance_read_once_the_save_commits(
    panel: Panel, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks.balance_sync, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        balance_check_soon(panel=panel)
    assert queued == []  # nothing before the commit
    for callback in callbacks:
        callback()

    assert queued == [panel.pk]


def test_a_disabled_panel_is_not_asked_for_its_balance(
    panel: Panel, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks.balance_sync, "delay", queued.append)
    panel_set_active(panel=panel, active=False)

    with django_capture_on_commit_callbacks(execute=True):
        balance_check_soon(panel=panel)

    assert queued == []
