"""sync_catalog and add_panel: scripted setup and syncs against the simulator."""

from __future__ import annotations

import io
import socket
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from panels.models import CatalogSync, Panel, Service
from panels.services import panel_create
from simulator import start_simulator


@pytest.fixture
def simulator(tmp_path):
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("cmd-key",), balance="77.10")
    yield handle
    handle.stop()


def run(*args: str, stdin: str = "") -> str:
    out = io.StringIO()
    import sys

    real_stdin, sys.stdin = sys.stdin, io.StringIO(stdin)
    try:
        call_command(*args, stdout=out, stderr=io.StringIO())
    finally:
        sys.stdin = real_stdin
    return out.getvalue()


@pytest.mark.django_db
def test_add_panel_tests_the_connection_then_saves(simulator):
    output = run("add_panel", "--name", "Sim", "--url", simulator.api_url(), "--key", "cmd-key")

    assert "Balance: 77.10 USD" in output
    assert Panel.objects.get(name="Sim").api_key == "cmd-key"


@pytest.mark.django_db
def test_add_panel_reads_the_key_from_stdin_or_the_environment(simulator, monkeypatch):
    run("add_panel", "--name", "A", "--url", simulator.api_url(), "--key-stdin", stdin="cmd-key\n")
    monkeypatch.setenv("PANEL_KEY", "cmd-key")
    run("add_panel", "--name", "B", "--url", simulator.api_url(), "--key-env", "PANEL_KEY")

    assert {p.api_key for p in Panel.objects.all()} == {"cmd-key"}


@pytest.mark.django_db
def test_add_panel_refuses_a_bad_key_and_saves_nothing(simulator):
    with pytest.raises(CommandError, match="refused the API key"):
        run("add_panel", "--name", "Sim", "--url", simulator.api_url(), "--key", "wrong")

    assert not Panel.objects.exists()


@pytest.mark.django_db
def test_add_panel_can_skip_the_test():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    run(
        "add_panel",
        "--name",
        "Later",
        "--url",
        f"http://127.0.0.1:{port}/api/v2",
        "--key",
        "k-1",
        "--no-test",
    )

    assert Panel.objects.filter(name="Later").exists()


@pytest.mark.django_db
def test_sync_catalog_syncs_every_panel_and_reports_the_broken_one(simulator):
    panel_create(name="Good", api_url=simulator.api_url(), api_key="cmd-key")
    panel_create(name="Bad", api_url=simulator.api_url(), api_key="nope")

    with pytest.raises(CommandError, match="1 panel"):
        run("sync_catalog")

    assert Service.objects.filter(panel__name="Good").count() > 10
    assert not Service.objects.filter(panel__name="Bad").exists()
    assert set(CatalogSync.objects.values_list("panel__name", "state")) == {
        ("Good", CatalogSync.State.DONE),
        ("Bad", CatalogSync.State.FAILED),
    }


@pytest.mark.django_db
def test_sync_catalog_can_sync_one_panel(simulator):
    panel_create(name="Good", api_url=simulator.api_url(), api_key="cmd-key")
    panel_create(name="Other", api_url=simulator.api_url(), api_key="cmd-key")

    output = run("sync_catalog", "--panel", "Good")

    assert output.startswith("Good: ")
    assert not Service.objects.filter(panel__name="Other").exists()
    with pytest.raises(CommandError, match="No panel is named"):
        run("sync_catalog", "--panel", "Nope")


@pytest.mark.django_db
def test_add_panel_then_sync_catalog_from_a_shell_stores_the_balance_and_currency(simulator):
    """Set up from a shell: nothing is left empty until the scheduled balance check."""
    run("add_panel", "--name", "Sim", "--url", simulator.api_url(), "--key", "cmd-key")

    panel = Panel.objects.get(name="Sim")
    assert (panel.balance, panel.currency) == (Decimal("77.10"), "USD")
    assert panel.balance_checked_at is not None
    assert panel.health == Panel.Health.OK

    Panel.objects.filter(pk=panel.pk).update(balance=None, currency="", balance_checked_at=None)
    output = run("sync_catalog")

    panel.refresh_from_db()
    assert (panel.balance, panel.currency) == (Decimal("77.10"), "USD")
    assert "balance 77.10 USD" in output


@pytest.mark.django_db
def test_sync_balances_reads_every_panel_or_one_and_reports_the_broken_one(simulator):
    good = panel_create(name="Good", api_url=simulator.api_url(), api_key="cmd-key")
    bad = panel_create(name="Bad", api_url=simulator.api_url(), api_key="nope")

    output = run("sync_balances", "--panel", "Good")
    assert output.strip().endswith("Good: balance 77.10 USD")
    with pytest.raises(CommandError, match="1 panel"):
        run("sync_balances")

    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.balance, good.currency) == (Decimal("77.10"), "USD")
    assert bad.balance is None
    assert bad.health == Panel.Health.FAILING
    with pytest.raises(CommandError, match="No panel is named"):
        run("sync_balances", "--panel", "Nope")
