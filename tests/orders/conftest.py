"""Fixtures for the order tests: a simulated panel with a synced catalog."""

from __future__ import annotations

import pytest

from panels.models import Panel
from panels.services import catalog_sync, panel_create
from simulator import start_simulator
from tests.orders.helpers import KEY


@pytest.fixture
def sim(tmp_path):
    handle = start_simulator(
        state_dir=tmp_path / "sim", keys=(KEY,), stage_seconds=10, balance="5000.00"
    )
    yield handle
    handle.stop()


@pytest.fixture
def panel(db, sim, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    panel = panel_create(name="Sim", api_url=sim.api_url(), api_key=KEY, timeout_seconds=3)
    catalog_sync(panel=panel)
    panel.currency = "USD"
    panel.save(update_fields=["currency"])
    return panel
