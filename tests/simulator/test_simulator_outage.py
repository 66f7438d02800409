"""A panel going down for a while and coming back, and the request log that says how each
request went."""

from __future__ import annotations

import errno
import threading
import time
from typing import Any

import pytest
import requests

from simulator import SimulatorHandle
from tests.simulator.helpers import Api, logged

LINK = "https://instagram.com/p/abc"
ADD = {"service": 1, "link": LINK, "quantity": 100}


def _refused(api: Api) -> bool:
    try:
        api.post("balance")
    except requests.exceptions.ConnectionError as exc:
        return _is_refused(exc)
    return False


def _is_refused(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, ConnectionRefusedError) or getattr(exc, "errno", None) == (
            errno.ECONNREFUSED
        ):
            return True
        exc = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args else None)
        if not isinstance(exc, BaseException):
            return False
    return False


def _wait_until_up(api: Api, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while _refused(api):
        assert time.monotonic() < deadline, "the simulator did not come back"
        time.sleep(0.05)


def test_a_panel_that_is_down_refuses_connections_and_comes_back_on_its_port(
    api: Api, sim: SimulatorHandle
) -> None:
    assert api.add(**ADD) == {"order": 1}
    port = sim.port
    sim.go_down()
    assert not sim.is_up
    assert _refused(api)
    sim.come_back()
    assert sim.is_up
    assert sim.port == port
    assert api("status", order=1)["status"] == "Pending"  # nothing was forgotten
    assert api.add(service=1, link=LINK + "2", quantity=100) == {"order": 2}


def test_an_outage_cuts_open_keep_alive_connections(sim: SimulatorHandle) -> None:
    session = requests.Session()
    data = {"key": "demo-key", "action": "balance"}
    assert session.post(sim.api_url(), data=data, timeout=5).status_code == 200
    sim.go_down()
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(sim.api_url(), data=data, timeout=5)
    sim.come_back()
    assert session.post(sim.api_url(), data=data, timeout=5).status_code == 200


def test_a_timed_outage_through_the_control_api(api: Api, sim: SimulatorHandle) -> None:
    answer = requests.post(sim.base_url + "/_sim/outage", json={"seconds": 0.5}, timeout=5)
    assert answer.status_code == 200
    assert answer.json() == {"ok": True, "seconds": 0.5}
    assert _refused(api)  # the control API too: everything is down
    _wait_until_up(api)
    assert api("balance")["currency"] == "USD"


@pytest.mark.parametrize("seconds", [0, -1, "soon", 7200])
def test_an_outage_needs_a_sensible_length(sim: SimulatorHandle, seconds: object) -> None:
    answer = requests.post(sim.base_url + "/_sim/outage", json={"seconds": seconds}, timeout=5)
    assert answer.status_code == 400
    assert sim.is_up


def test_stopping_during_an_outage_is_prompt(sim: SimulatorHandle) -> None:
    sim.outage(60)
    started = time.monotonic()
    sim.stop()
    assert time.monotonic() - started < 2


def test_the_request_log_says_how_each_add_went(api: Api, sim: SimulatorHandle) -> None:
    assert api.add(**ADD) == {"order": 1}
    sim.set_fault("truncated", actions=["add"], count=1)
    api.post("add", service=1, link=LINK + "/t", quantity=100)
    sim.set_fault("http_502", actions=["add"], count=1)
    api.post("add", service=1, link=LINK + "/5", quantity=100)
    sim.set_fault("drop_after_accept", actions=["add"], count=1)
    with pytest.raises(requests.exceptions.ConnectionError):
        api.post("add", service=1, link=LINK + "/d", quantity=100)
    api.post("add", service=1, link=LINK, quantity=100)  # the same link again: refused in-band
    api("balance")
    logged(sim, count=6)  # each answer is read a moment before the simulator logs it

    adds = sim.requests("add")
    got = [(e.link, e.outcome, e.fault, e.order, e.error is not None) for e in adds]
    assert got == [
        (LINK, "answered", None, "1", False),
        (LINK + "/t", "truncated", "truncated", "2", False),
        (LINK + "/5", "fault_page", "http_502", None, False),
        (LINK + "/d", "dropped", "drop_after_accept", "3", False),
        (LINK, "answered", None, None, True),
    ]
    assert [e.clean for e in adds] == [True, False, False, False, True]
    assert [e.action for e in sim.requests()] == ["add"] * 5 + ["balance"]
    assert [e.seq for e in sim.requests(since=adds[-1].seq)] == [adds[-1].seq + 1]

    over_http = requests.get(sim.base_url + "/_sim/requests?action=add", timeout=5).json()
    assert [e["outcome"] for e in over_http["requests"]] == [e.outcome for e in adds]
    assert over_http["requests"][0]["service"] == "1"
    sim.reset()
    assert sim.requests() == []


def test_the_request_log_keeps_the_latency_a_request_was_given(
    api: Api, sim: SimulatorHandle
) -> None:
    sim.set_fault("latency", latency_ms=200, actions=["add"], count=1)
    api.add(**ADD)
    (entry,) = logged(sim, "add")  # logged a moment after the answer is read
    assert entry.latency_ms == 200
    assert entry.seconds >= 0.2
    assert entry.clean


def test_a_slow_request_counts_as_in_progress_until_it_ends(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("latency", latency_ms=400, actions=["add"], count=1)
    slow = threading.Thread(target=api.add, kwargs=ADD)
    slow.start()
    deadline = time.monotonic() + 2
    while sim.simulator.requests.in_progress == 0:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert sim.requests("add") == []  # the order exists, its answer is not out yet
    over_http = requests.get(sim.base_url + "/_sim/requests", timeout=5).json()
    assert over_http["in_progress"] == 1
    slow.join(timeout=5)
    # The answer is read a moment before the simulator logs it: wait for the log, not longer.
    assert [e.outcome for e in logged(sim, "add")] == ["answered"]
    assert sim.simulator.requests.in_progress == 0


def test_the_most_adds_in_flight_at_once_are_counted_per_api_key(tmp_path) -> None:
    from simulator import start_simulator

    with start_simulator(state_dir=tmp_path, keys=("key-a", "key-b")) as handle:
        handle.set_fault("latency", latency_ms=300, actions=["add"])
        start = threading.Barrier(4)

        def add(key: str, n: int) -> None:
            start.wait()
            data = {"key": key, "action": "add", **ADD, "link": f"{LINK}{n}"}
            assert "order" in requests.post(handle.api_url(), data=data, timeout=5).json()

        senders = [threading.Thread(target=add, args=(key, n))
                   for n, key in enumerate(["key-a", "key-a", "key-a", "key-b"])]  # fmt: skip
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        add_alone = {"key": "key-b", "action": "add", **ADD, "link": f"{LINK}alone"}
        requests.post(handle.api_url(), data=add_alone, timeout=5)
        requests.post(handle.api_url(), data={"key": "key-a", "action": "balance"}, timeout=5)

        assert handle.most_in_flight("add") == {"key-a": 3, "key-b": 1}
        assert handle.most_in_flight("balance") == {"key-a": 1}
        over_http = requests.get(handle.base_url + "/_sim/in_flight", timeout=5).json()
        assert over_http == {"action": "add", "most": {"key-a": 3, "key-b": 1}}
        handle.reset()
        assert handle.most_in_flight("add") == {}


def test_a_request_is_no_longer_in_flight_once_its_answer_goes_out(tmp_path, monkeypatch) -> None:
    """Its client may send the next request as soon as it has the answer, and the simulator
    may log the first one only later. The next one must not find it still counted: a client
    sending one request after another has one in flight, however late the logging."""
    from simulator import start_simulator
    from simulator.requests_log import RequestLog

    next_one_done = threading.Event()
    record = RequestLog.record

    def late(self: RequestLog, **fields: Any) -> Any:
        if fields["params"].get("link") == f"{LINK}0":
            assert next_one_done.wait(5)  # logged only after the next request was answered
        return record(self, **fields)

    monkeypatch.setattr(RequestLog, "record", late)
    with start_simulator(state_dir=tmp_path) as handle:
        for n in range(2):
            data = {"key": "demo-key", "action": "add", **ADD, "link": f"{LINK}{n}"}
            assert "order" in requests.post(handle.api_url(), data=data, timeout=5).json()
        next_one_done.set()
        assert handle.most_in_flight("add") == {"demo-key": 1}
