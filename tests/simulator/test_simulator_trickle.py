"""The `trickle` fault over real sockets: a whole answer, one byte at a time."""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from collections.abc import Callable
from urllib.parse import urlencode

import pytest
import requests

from simulator import SimulatorHandle
from tests.simulator.helpers import KEY, Api

LINK = "https://instagram.com/p/trickle"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def wait_until(check: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


def open_request(sim: SimulatorHandle, **fields: object) -> socket.socket:
    """A raw connection with one API request sent on it (the answer is not read)."""
    body = urlencode({"key": KEY, **fields}).encode()
    sock = socket.create_connection((sim.host, sim.port), timeout=5)
    head = f"POST /api/v2 HTTP/1.1\r\nHost: x\r\nContent-Type: {FORM['Content-Type']}\r\n"
    sock.sendall(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return sock


def test_the_body_arrives_byte_by_byte_no_byte_early(api: Api, sim: SimulatorHandle) -> None:
    expected = api.post("balance").content
    interval = 0.05
    sim.set_fault("trickle", actions=["balance"], trickle_interval=interval)
    # Each read may wait far less than the whole answer takes.
    conn = http.client.HTTPConnection(sim.host, sim.port, timeout=0.5)
    started = time.monotonic()
    conn.request("POST", "/api/v2", urlencode({"key": KEY, "action": "balance"}), FORM)
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Length") == str(len(expected))
    arrivals: list[float] = []
    body = b""
    while chunk := response.read(1):
        body += chunk
        arrivals.append(time.monotonic() - started)
    conn.close()
    assert body == expected
    # Byte k was not written before k+1 intervals had passed: no byte can arrive early.
    for k, arrived in enumerate(arrivals):
        assert arrived >= (k + 1) * interval
    assert arrivals[-1] > 0.5  # longer than any single read was allowed to wait
    wait_until(lambda: len(sim.requests("balance")) == 2)  # logged once the last byte is out
    entry = sim.requests("balance")[-1]
    assert (entry.outcome, entry.fault, entry.clean) == ("trickled", "trickle", True)
    assert entry.detail == f"trickled {len(expected)} of {len(expected)} bytes, 0.05 s apart"
    assert entry.seconds >= len(expected) * interval


def test_requests_with_a_short_read_timeout_gets_the_whole_answer(
    api: Api, sim: SimulatorHandle
) -> None:
    expected = api("balance")
    sim.set_fault("trickle", trickle_interval=0.05, count=1)
    started = time.monotonic()
    response = requests.post(api.url, data={"key": KEY, "action": "balance"}, timeout=(5, 0.5))
    assert time.monotonic() - started >= 0.05 * len(response.content) > 0.5
    assert response.json() == expected


def test_headers_can_trickle_too(api: Api, sim: SimulatorHandle) -> None:
    interval = 0.01
    sim.set_fault("trickle", trickle_interval=interval, trickle_headers=True)
    conn = http.client.HTTPConnection(sim.host, sim.port, timeout=0.5)
    started = time.monotonic()
    conn.request("POST", "/api/v2", urlencode({"key": KEY, "action": "balance"}), FORM)
    response = conn.getresponse()  # the status line and headers, a byte at a time
    got_headers = time.monotonic() - started
    body = response.read()
    conn.close()
    assert body.startswith(b'{"balance":"1000.00000"')
    wait_until(lambda: bool(sim.requests("balance")))
    (entry,) = sim.requests("balance")
    assert entry.detail is not None
    sent, total = re.fullmatch(
        r"trickled (\d+) of (\d+) bytes, 0.01 s apart", entry.detail
    ).groups()
    head_size = int(total) - len(body)
    assert sent == total
    assert head_size > 100
    assert got_headers >= head_size * interval  # the head's last byte came after all its waits


def test_chunks_go_faster(api: Api, sim: SimulatorHandle) -> None:
    full = api.post("services").content
    sim.set_fault("trickle", trickle_interval=0.01, trickle_chunk=1024)
    started = time.monotonic()
    assert api.post("services").content == full
    assert time.monotonic() - started >= 0.01 * (len(full) // 1024)


def test_an_add_is_placed_before_its_answer_trickles_and_others_are_served_meanwhile(
    api: Api, sim: SimulatorHandle
) -> None:
    sim.set_fault("trickle", actions=["add"], trickle_interval=1.0)
    sock = open_request(sim, action="add", service=1, link=LINK, quantity=100)
    try:
        wait_until(lambda: len(sim.orders()) == 1)
        assert sim.simulator.requests.in_progress == 1  # still answering, slowly
        started = time.monotonic()
        assert api("balance")["balance"] == "999.91000"  # another request, answered at once
        assert time.monotonic() - started < 0.9
        first = sock.recv(1024)  # the headers (and a first byte, after a second)
        assert first.startswith(b"HTTP/1.1 200 OK")
    finally:
        sock.close()  # the client gives up
    wait_until(lambda: bool(sim.requests("add")))
    (entry,) = sim.requests("add")
    assert (entry.outcome, entry.order, entry.link, entry.clean) == ("cut", "1", LINK, False)
    assert entry.detail is not None
    assert entry.detail.endswith("; the client hung up")
    assert [order["id"] for order in sim.orders()] == ["1"]


def test_stopping_does_not_wait_for_a_trickling_answer(sim: SimulatorHandle) -> None:
    sim.set_fault("trickle")  # the default: a byte every 10 s
    assert sim.simulator.faults.current().trickle_interval == 10.0  # type: ignore[union-attr]
    sock = open_request(sim, action="services")
    try:
        wait_until(lambda: sim.simulator.requests.in_progress == 1)
        started = time.monotonic()
        sim.stop()
        assert time.monotonic() - started < 3
        wait_until(lambda: bool(sim.requests()), seconds=3)
    finally:
        sock.close()
    (entry,) = sim.requests()
    assert entry.outcome == "cut"
    assert entry.detail is not None
    assert entry.detail.endswith("cut by the simulator going down")


def test_trickle_options_through_the_control_api(api: Api, sim: SimulatorHandle) -> None:
    url = sim.base_url + "/_sim/faults"
    rule = {"fault": "trickle", "trickle_interval": 0.02, "trickle_chunk": 2}
    answer = requests.post(url, json=rule, timeout=5).json()["fault"]
    assert (answer["trickle_interval"], answer["trickle_chunk"]) == (0.02, 2)
    assert answer["trickle_headers"] is False
    assert api("balance")["currency"] == "USD"
    wait_until(lambda: bool(sim.requests("balance")))
    assert sim.requests("balance")[-1].outcome == "trickled"
    bad = requests.post(url, json={"fault": "trickle", "trickle_interval": 0}, timeout=5)
    assert bad.status_code == 400


@pytest.mark.parametrize("interval", [0.0, -1.0, 3601.0])
def test_trickle_interval_must_be_sensible(sim: SimulatorHandle, interval: float) -> None:
    with pytest.raises(ValueError, match="trickle_interval"):
        sim.set_fault("trickle", trickle_interval=interval)


def test_a_trickle_on_one_connection_leaves_others_alone(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("trickle", actions=["services"], trickle_interval=0.5)
    socks = [open_request(sim, action="services") for _ in range(3)]
    try:
        wait_until(lambda: sim.simulator.requests.in_progress == 3)
        answers: list[object] = []
        workers = [
            threading.Thread(target=lambda: answers.append(api("balance"))) for _ in range(4)
        ]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=5)
        assert len(answers) == 4
        assert time.monotonic() - started < 0.5
    finally:
        for sock in socks:
            sock.close()
