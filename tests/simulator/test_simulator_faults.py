"""Injected faults: what the client sees, whether the action ran, and request counting."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests

from simulator import FAULT_NAMES, SimulatorHandle, server, start_simulator
from tests.simulator.helpers import Api

LINK = "https://instagram.com/p/abc"
ADD = {"service": 1, "link": LINK, "quantity": 100}


def test_fault_names() -> None:
    assert set(FAULT_NAMES) == {
        "latency",
        "http_500",
        "http_502",
        "http_503",
        "http_429",
        "html",
        "empty",
        "truncated",
        "drop_after_accept",
    }


def test_latency_delays_the_answer(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("latency", latency_ms=300, count=1)
    started = time.monotonic()
    assert api("balance")["currency"] == "USD"
    assert time.monotonic() - started >= 0.3  # a floor the sleep guarantees
    assert sim.simulator.faults.take("standard", "balance") is None  # count=1 was used up


def test_latency_counts_the_panels_own_work(
    api: Api, sim: SimulatorHandle, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A panel answering in L answers L after the request arrived: what it spent placing the
    order is part of L, not added to it."""
    clock = [100.0]
    work = [0.04]  # the panel's own work on an order, in seconds
    slept: list[float] = []
    fake_time = SimpleNamespace(time=time.time, monotonic=lambda: clock[0], sleep=slept.append)
    monkeypatch.setattr(server, "time", fake_time)
    answer = sim.simulator.answer

    def working(*args: object, **kwargs: object) -> object:
        clock[0] += work[0]
        return answer(*args, **kwargs)

    monkeypatch.setattr(sim.simulator, "answer", working)
    sim.set_fault("latency", latency_ms=300, actions=["add"], count=2)

    assert "order" in api("add", **ADD)
    work[0] = 0.5  # longer than the latency: answered as soon as it is done
    assert "order" in api("add", **{**ADD, "link": LINK + "2"})
    assert slept == [pytest.approx(0.26), 0.0]


def test_latency_lets_a_client_time_out_after_the_order_exists(
    api: Api, sim: SimulatorHandle
) -> None:
    sim.set_fault("latency", latency_ms=400, actions=["add"])
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(api.url, data={"key": "demo-key", "action": "add", **ADD}, timeout=0.1)
    # The answer was late, not lost: the order exists (placed before the delay).
    deadline = time.monotonic() + 2
    while not sim.orders() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(sim.orders()) == 1


@pytest.mark.parametrize(
    ("fault", "code"), [("http_500", 500), ("http_502", 502), ("http_503", 503)]
)
def test_server_errors_answer_an_html_page(
    api: Api, sim: SimulatorHandle, fault: str, code: int
) -> None:
    sim.set_fault(fault, actions=["add"])
    response = api.post("add", **ADD)
    assert response.status_code == code
    assert response.headers["Content-Type"].startswith("text/html")
    assert f"<h1>{code} " in response.text
    assert sim.orders() == []
    assert api("balance")["balance"] == "1000.00000"
    assert sim.stats()["requests"] == {"add": 1, "balance": 1}


def test_rate_limit_says_when_to_retry(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("http_429")
    response = api.post("status", order=1)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "1"


def test_html_fault_is_a_challenge_page_with_200(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("html")
    response = api.post("services")
    assert response.status_code == 200
    assert "Just a moment..." in response.text
    with pytest.raises(ValueError, match="Expecting value"):
        response.json()


def test_empty_fault_answers_nothing(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("empty")
    response = api.post("balance")
    assert response.status_code == 200
    assert response.content == b""


def test_truncated_fault_cuts_the_real_answer(api: Api, sim: SimulatorHandle) -> None:
    full = api.post("services").content
    sim.set_fault("truncated")
    cut = api.post("services").content
    assert cut == full[: len(full) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut)


def test_truncated_add_still_places_the_order(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("truncated", actions=["add"])
    assert api.post("add", **ADD).content == b'{"ord'
    assert [order["id"] for order in sim.orders()] == ["1"]


def test_drop_after_accept_places_and_charges_but_never_answers(
    api: Api, sim: SimulatorHandle
) -> None:
    sim.set_fault("drop_after_accept", actions=["add"], count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("add", **ADD)
    orders = sim.orders()
    assert [(order["id"], order["link"]) for order in orders] == [("1", LINK)]
    assert api("balance")["balance"] == "999.91000"
    assert sim.stats()["requests"] == {"add": 1, "balance": 1}
    # The fault was for one request only: the next add answers normally.
    assert api.add(service=1, link=LINK + "2", quantity=100) == {"order": 2}


def test_drop_after_accept_on_other_actions_just_hangs_up(api: Api, sim: SimulatorHandle) -> None:
    api.add(**ADD)
    sim.set_fault("drop_after_accept")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("cancel", orders="1")
    sim.clear_faults()
    assert api("status", order=1)["status"] == "Pending"


def test_faults_limited_to_actions_count_and_dialects(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("http_503", actions=["add"], count=2, dialects=["standard"])
    assert api.post("balance").status_code == 200
    assert Api(sim, "seed002").post("add", **ADD).status_code == 200
    assert api.post("add", **ADD).status_code == 503
    assert api.post("add", **ADD).status_code == 503
    assert api.post("add", **ADD).status_code == 200
    assert sim.stats("standard")["requests"] == {"add": 3, "balance": 1}


def test_faults_through_the_control_api(api: Api, sim: SimulatorHandle) -> None:
    url = sim.base_url + "/_sim/faults"
    rule = {"fault": "http_500", "actions": ["add"], "count": 1, "latency_ms": 0}
    answer = requests.post(url, json=rule, timeout=5).json()
    assert answer == {"fault": {**rule, "dialects": None}}
    assert requests.get(url, timeout=5).json()["fault"]["fault"] == "http_500"
    requests.post(url, json={"fault": "empty"}, timeout=5)
    assert requests.post(url, json={"fault": None}, timeout=5).json() == {"fault": None}
    assert api.post("add", **ADD).status_code == 200
    bad = requests.post(url, json={"fault": "meteor"}, timeout=5)
    assert bad.status_code == 400
    assert "unknown fault" in bad.json()["error"]


def test_fault_given_at_start(tmp_path: Path) -> None:
    handle = start_simulator(state_dir=tmp_path, fault="http_502", fault_count=1)
    try:
        api = Api(handle)
        assert api.post("balance").status_code == 502
        assert api.post("balance").status_code == 200
    finally:
        handle.stop()
