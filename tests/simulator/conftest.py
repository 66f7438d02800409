"""Fixtures for the panel simulator's tests: a real server on a free port, no Django."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from simulator import SimulatorHandle, start_simulator
from tests.simulator.helpers import STAGE, Api


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    # Frozen: delivered counts and refunds follow `advance` alone, not the machine's load.
    handle = start_simulator(port=0, state_dir=tmp_path, stage_seconds=STAGE, frozen_clock=True)
    yield handle
    handle.stop()


@pytest.fixture
def api(sim: SimulatorHandle) -> Api:
    return Api(sim)
