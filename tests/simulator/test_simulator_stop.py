"""Stopping a simulator never hangs, however soon after starting (or going down) it is asked:
BaseServer.shutdown waits for a serve loop that may not have started yet."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from simulator import start_simulator
from simulator.server import SimulatorServer


def stops_within(stop, seconds: float = 5) -> bool:
    """Run `stop` in a thread of its own: a hang fails the test instead of the whole run."""
    thread = threading.Thread(target=stop, daemon=True)
    thread.start()
    thread.join(seconds)
    return not thread.is_alive()


@pytest.fixture
def late_loop(monkeypatch):
    """The serve thread reaches its loop only after the test has asked the server to stop."""
    serve = SimulatorServer.serve

    def late(self: SimulatorServer, *args, **kwargs) -> None:
        time.sleep(0.3)
        serve(self, *args, **kwargs)

    monkeypatch.setattr(SimulatorServer, "serve", late)


def test_a_simulator_stopped_before_its_loop_started_stops(tmp_path: Path, late_loop) -> None:
    sim = start_simulator(state_dir=tmp_path, keys=("k",))
    assert stops_within(sim.stop)


def test_going_down_before_the_loop_started_then_stopping(tmp_path: Path, late_loop) -> None:
    sim = start_simulator(state_dir=tmp_path, keys=("k",))
    assert stops_within(sim.go_down)
    assert not sim.is_up
    assert stops_within(sim.stop)


def test_a_simulator_still_serves_after_a_quick_outage_and_then_stops(tmp_path: Path) -> None:
    import requests

    sim = start_simulator(state_dir=tmp_path, keys=("k",))
    try:
        sim.go_down()
        sim.come_back()
        answer = requests.post(sim.api_url(), data={"key": "k", "action": "balance"}, timeout=5)
        assert answer.json()["currency"] == "USD"
    finally:
        assert stops_within(sim.stop)


def test_going_down_again_while_the_loop_restarts_keeps_the_server(
    tmp_path: Path, monkeypatch
) -> None:
    """Down, back, and down again before the serve loop is running again: the loop must end
    before the socket is closed under it, and the server must answer once back."""
    import requests

    serve_forever = SimulatorServer.serve_forever
    slow = threading.Event()

    def late(self: SimulatorServer, *args, **kwargs) -> None:
        if slow.is_set():
            time.sleep(0.3)
        serve_forever(self, *args, **kwargs)

    monkeypatch.setattr(SimulatorServer, "serve_forever", late)
    sim = start_simulator(state_dir=tmp_path, keys=("k",))
    try:
        sim.go_down()
        slow.set()
        sim.come_back()
        time.sleep(0.1)  # the serve thread is back in serve(), its loop not running yet
        assert stops_within(sim.go_down)
        slow.clear()
        time.sleep(0.5)  # whatever the restarting loop would do with the closed socket
        sim.come_back()
        answer = requests.post(sim.api_url(), data={"key": "k", "action": "balance"}, timeout=5)
        assert answer.json()["currency"] == "USD"
    finally:
        assert stops_within(sim.stop)
