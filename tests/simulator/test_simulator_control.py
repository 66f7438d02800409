"""The control API, persistence across restarts, and the command line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator import SimulatorHandle, start_simulator
from tests.simulator.helpers import STAGE, Api

LINK = "https://instagram.com/p/abc"
ROOT = Path(__file__).resolve().parents[2]


def control(sim: SimulatorHandle, route: str, body: object = None) -> requests.Response:
    url = f"{sim.base_url}/_sim/{route}"
    if body is None:
        return requests.get(url, timeout=5)
    return requests.post(url, json=body, timeout=5)


def test_stats_count_requests_per_dialect(api: Api, sim: SimulatorHandle) -> None:
    api("balance")
    api("balance")
    api.add(service=1, link=LINK, quantity=100)
    Api(sim, "quirky")("services")
    requests.post(sim.api_url(), data={"key": "bad", "action": "status"}, timeout=5)
    assert control(sim, "stats?dialect=standard").json() == {
        "requests": {"add": 1, "balance": 2, "status": 1},
        "total": 4,
    }
    everything = control(sim, "stats").json()
    assert everything["total"] == 5
    assert everything["requests"]["services"] == 1
    assert everything["dialects"]["quirky"] == {"requests": {"services": 1}, "total": 1}
    assert sim.stats("quirky")["total"] == 1


def test_reset_clears_stats_and_optionally_state(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100)
    sim.set_fault("http_500", actions=["services"])
    assert control(sim, "reset", {}).json() == {"ok": True}
    assert sim.stats()["total"] == 0
    assert api.post("services").status_code == 200
    assert api("status", order=1)["status"] == "Pending"
    control(sim, "reset", {"state": True})
    assert api("status", order=1) == {"error": "Incorrect order ID"}
    assert api("balance")["balance"] == "1000.00000"
    assert api.add(service=1, link=LINK, quantity=100) == {"order": 1}


def test_advance_moves_the_simulated_clock(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100)
    answer = control(sim, "advance", {"seconds": 2 * STAGE + 1}).json()
    assert answer["offset"] == 2 * STAGE + 1
    assert api("status", order=1)["status"] == "Completed"
    assert control(sim, "advance", {"seconds": -5}).status_code == 400


def test_balance_can_be_set_per_dialect(sim: SimulatorHandle) -> None:
    answer = control(sim, "balance", {"dialect": "seed001", "balance": "5.00"}).json()
    assert answer == {"dialect": "seed001", "balance": "5.00000"}
    assert Api(sim, "seed001")("balance")["balance"] == "5.00000"
    assert Api(sim)("balance")["balance"] == "1000.00000"
    assert control(sim, "balance", {"balance": "lots"}).status_code == 400
    assert control(sim, "balance", {"dialect": "nope", "balance": "1"}).status_code == 400


def test_orders_dump(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100, order_style="x")
    dump = control(sim, "orders?dialect=standard").json()
    assert dump["dialect"] == "standard"
    assert dump["balance"] == "999.91000"
    (order,) = dump["orders"]
    assert (order["id"], order["service"], order["status"], order["charge"]) == (
        "1",
        1,
        "Pending",
        "0.09000",
    )
    assert order["fields"]["order_style"] == "x"


def test_control_api_rejects_unknown_routes_and_methods(sim: SimulatorHandle) -> None:
    assert control(sim, "nothing").status_code == 404
    assert control(sim, "reset").status_code == 405
    assert requests.post(f"{sim.base_url}/_sim/advance", data="[1]", timeout=5).status_code == 400


def test_state_survives_a_restart(tmp_path: Path) -> None:
    first = start_simulator(state_dir=tmp_path, stage_seconds=STAGE)
    api = Api(first)
    for n in range(5):
        api.add(service=1, link=f"{LINK}{n}", quantity=1000)
    first.advance(2 * STAGE + 1)
    api("refill", order=1)
    api("status", orders="1,2,3,4,5")
    balance = api("balance")
    statuses = api("status", orders="1,5")
    first.stop()
    assert not list(tmp_path.glob("*.tmp"))

    second = start_simulator(state_dir=tmp_path, stage_seconds=STAGE)
    try:
        api = Api(second)
        assert api("balance") == balance
        assert api("status", orders="1,5") == statuses
        assert api("refill_status", refill=1) == {"status": "Pending"}
        assert api.add(service=1, link=LINK, quantity=100) == {"order": 6}
        assert api("refill", order=2) == {"refill": "2"}
    finally:
        second.stop()


def test_a_frozen_clock_moves_only_when_advanced_and_keeps_its_time_across_a_restart(
    tmp_path: Path,
) -> None:
    first = start_simulator(state_dir=tmp_path, stage_seconds=STAGE, frozen_clock=True)
    clock = first.simulator.clock
    start = clock.now()
    Api(first).add(service=1, link=LINK, quantity=1000)
    assert clock.now() == start
    first.advance(STAGE * 1.5)
    assert clock.now() == start + STAGE * 1.5
    assert Api(first)("status", order=1)["remains"] == "500"
    first.stop()

    second = start_simulator(state_dir=tmp_path, stage_seconds=STAGE, frozen_clock=True)
    try:
        assert second.simulator.clock.now() == start + STAGE * 1.5
        assert Api(second)("status", order=1)["remains"] == "500"
    finally:
        second.stop()


def test_state_file_is_plain_json(api: Api, sim: SimulatorHandle, tmp_path: Path) -> None:
    api.add(service=1, link=LINK, quantity=100)
    saved = json.loads((tmp_path / "standard.json").read_text())
    assert saved["next_order"] == 2
    assert saved["orders"][0]["link"] == LINK


def test_command_line_serves_until_sigterm(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "simulator", "--port", "0"]
    command += ["--state-dir", str(tmp_path), "--key", "k1", "--dialect", "quirky"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ}
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = next(word for word in line.split() if word.startswith("http"))
        assert url.endswith("/api/v2")
        response = requests.post(url, data={"key": "k1", "action": "balance"}, timeout=5)
        assert response.headers["Content-Type"].startswith("text/html")
        assert response.json()["currency"] == "USD"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_concurrent_adds_get_unique_ids_and_exact_charges(api: Api, sim: SimulatorHandle) -> None:
    def place(n: int) -> Any:
        return api.add(service=19, link=f"https://tiktok.com/v/{n}", quantity=1000)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(place, range(40)))
    assert sorted(answer["order"] for answer in answers) == list(range(1, 41))
    assert api("balance")["balance"] == "999.50000"


def test_keep_alive_connections_work_and_end_with_stop(tmp_path: Path) -> None:
    handle = start_simulator(state_dir=tmp_path)
    session = requests.Session()
    data = {"key": "demo-key", "action": "balance"}
    for _ in range(3):
        assert session.post(handle.api_url(), data=data, timeout=5).status_code == 200
    handle.stop()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(handle.api_url(), data=data, timeout=5)
