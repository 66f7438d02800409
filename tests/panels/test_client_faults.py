"""Injected panel trouble against the real client over HTTP: the right error, the right retries,
and `add` sent exactly once whatever happens (counted at the simulator).

`sleep` is injected everywhere, so backoff costs no time; only the latency tests wait, briefly.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from panels.api.client import PanelClient
from panels.api.errors import (
    OutcomeUnknown,
    PanelRejected,
    PanelUnavailable,
    PanelUnreachable,
    RateLimited,
    Reason,
)
from panels.api.options import ClientOptions
from panels.api.results import OrderStatus
from simulator import FAULT_NAMES, SimulatorHandle, start_simulator
from tests.panels.local import LOOPBACK

KEY = "demo-key"
DIALECT = "standard"
START_BALANCE = Decimal("500.00")
ORDER = {"link": "https://instagram.com/p/fault", "quantity": 100}  # service 1: costs 0.09
READ_TIMEOUT = 0.3
SLOW_MS = 700  # well past READ_TIMEOUT
RETRY_AFTER = 1.0  # what the simulator's 429 page says

# Faults that answer with something that is not the JSON answer (or no usable answer).
UNAVAILABLE = ("http_500", "http_502", "http_503", "html", "empty", "truncated")
HTTP_STATUS = {"http_500": 500, "http_502": 502, "http_503": 503}
# Faults answered before the action runs: nothing happens at the panel.
NOT_RUN = ("http_500", "http_502", "http_503", "html", "empty", "http_429")
# Faults that run `add` and lose or spoil the answer: the order exists.
RUN = ("truncated", "drop_after_accept", "latency")


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(
        state_dir=tmp_path,
        port=0,
        keys=(KEY,),
        dialect=DIALECT,
        stage_seconds=10.0,
        balance=START_BALANCE,
    )
    yield handle
    handle.stop()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(url: str, sleeps: Sleeps, **options: Any) -> PanelClient:
    opts: dict[str, Any] = {"retries": 2, "backoff": 0.01, "timeout": 5.0, **LOOPBACK, **options}
    return PanelClient(url, KEY, ClientOptions(**opts), sleep=sleeps)


def seen(sim: SimulatorHandle, action: str) -> int:
    return int(sim.stats(DIALECT)["requests"].get(action, 0))


def refills_on(sim: SimulatorHandle) -> list[dict[str, Any]]:
    refills: list[dict[str, Any]] = sim.simulator.dump(DIALECT)["refills"]
    return refills


def wait_for_orders(sim: SimulatorHandle, count: int) -> list[dict[str, Any]]:
    """Orders on the panel; a late answer's order is placed before the delay, so this is quick."""
    deadline = time.monotonic() + 2
    while len(sim.orders(DIALECT)) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return sim.orders(DIALECT)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def order_id(sim: SimulatorHandle) -> str:
    """One pending order to ask about; stats are reset afterwards so tests count from zero."""
    client = make_client(sim.api_url(DIALECT), Sleeps())
    placed = client.add("1", ORDER, order_type="default").order_id
    sim.reset()
    return placed


READS: dict[str, Callable[[PanelClient, str], Any]] = {
    "balance": lambda client, order_id: client.balance(),
    "services": lambda client, order_id: client.services(),
    "status": lambda client, order_id: client.status(order_id),
}


def check_read_answer(action: str, answer: Any, order_id: str) -> None:
    if action == "balance":
        assert answer.amount == START_BALANCE - Decimal("0.09")
    elif action == "services":
        assert len(answer.services) == 46
        assert answer.skipped == []
    else:
        assert isinstance(answer, OrderStatus)
        assert answer.order_id == order_id
        assert answer.charge == Decimal("0.09")


def test_every_simulator_fault_is_covered_here():
    assert {*UNAVAILABLE, "http_429", "latency", "drop_after_accept"} == set(FAULT_NAMES)
    assert {*NOT_RUN, *RUN} == set(FAULT_NAMES)


# --- reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize("action", READS)
@pytest.mark.parametrize("fault", UNAVAILABLE)
def test_a_read_gives_up_after_the_configured_retries(sim, sleeps, order_id, fault, action):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=2)
    sim.set_fault(fault, actions=[action])

    with pytest.raises(PanelUnavailable) as info:
        READS[action](client, order_id)

    assert seen(sim, action) == 3
    assert len(sleeps) == 2
    assert info.value.http_status == HTTP_STATUS.get(fault, 200)
    assert info.value.action == action
    assert not info.value.permanent


@pytest.mark.parametrize("retries", [0, 1, 4])
def test_the_number_of_read_attempts_follows_the_option(sim, sleeps, retries):
    sim.set_fault("http_503", actions=["balance"])

    with pytest.raises(PanelUnavailable):
        make_client(sim.api_url(DIALECT), sleeps, retries=retries).balance()

    assert seen(sim, "balance") == retries + 1
    assert len(sleeps) == retries


@pytest.mark.parametrize("action", READS)
@pytest.mark.parametrize("fault", UNAVAILABLE)
def test_a_read_recovers_from_trouble_shorter_than_the_retries(
    sim, sleeps, order_id, fault, action
):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=3)
    sim.set_fault(fault, actions=[action], count=2)

    answer = READS[action](client, order_id)

    check_read_answer(action, answer, order_id)
    assert seen(sim, action) == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("action", READS)
def test_429_is_retried_after_retry_after_then_rate_limited(sim, sleeps, order_id, action):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=2)
    sim.set_fault("http_429", actions=[action])

    with pytest.raises(RateLimited) as info:
        READS[action](client, order_id)

    assert seen(sim, action) == 3
    assert sleeps == [RETRY_AFTER, RETRY_AFTER]
    assert info.value.retry_after == RETRY_AFTER
    assert info.value.http_status == 429


def test_a_short_429_spell_is_waited_out(sim, sleeps, order_id):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=2)
    sim.set_fault("http_429", actions=["status"], count=1)

    answer = client.status(order_id)

    check_read_answer("status", answer, order_id)
    assert sleeps == [RETRY_AFTER]
    assert seen(sim, "status") == 2


def test_a_read_slower_than_the_timeout_is_unavailable(sim, sleeps, order_id):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=1, timeout=READ_TIMEOUT)
    sim.set_fault("latency", actions=["balance"], latency_ms=SLOW_MS)

    with pytest.raises(PanelUnavailable) as info:
        client.balance()

    assert seen(sim, "balance") == 2
    assert len(sleeps) == 1
    assert info.value.http_status is None
    assert "timed out" in info.value.message


def test_a_read_slower_than_the_timeout_once_is_retried(sim, sleeps, order_id):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=1, timeout=READ_TIMEOUT)
    sim.set_fault("latency", actions=["status"], latency_ms=SLOW_MS, count=1)

    check_read_answer("status", client.status(order_id), order_id)
    assert seen(sim, "status") == 2


def test_latency_within_the_timeout_is_no_error(sim, sleeps, order_id):
    client = make_client(sim.api_url(DIALECT), sleeps, timeout=READ_TIMEOUT)
    sim.set_fault("latency", latency_ms=50)

    check_read_answer("balance", client.balance(), order_id)
    assert client.add("1", {**ORDER, "link": "https://instagram.com/p/2"}).order_id == "2"
    assert sleeps == []


@pytest.mark.parametrize("action", READS)
def test_a_dropped_read_is_unavailable(sim, sleeps, order_id, action):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=2)
    sim.set_fault("drop_after_accept", actions=[action])

    with pytest.raises(PanelUnavailable):
        READS[action](client, order_id)

    assert seen(sim, action) == 3
    assert len(sleeps) == 2


# --- add: never sent twice -----------------------------------------------------------------


@pytest.mark.parametrize("fault", sorted(FAULT_NAMES))
def test_add_is_sent_exactly_once_under_every_fault(sim, sleeps, fault):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=3, timeout=READ_TIMEOUT)
    sim.set_fault(fault, actions=["add"], latency_ms=SLOW_MS if fault == "latency" else 0)
    expected = RateLimited if fault == "http_429" else OutcomeUnknown

    with pytest.raises(expected) as info:
        client.add("1", ORDER, order_type="default")

    assert seen(sim, "add") == 1
    assert sleeps == []
    assert info.value.action == "add"
    if fault in RUN:
        # The panel placed (and charged) the order; only the answer was lost. This is why
        # the client must never send it again.
        orders = wait_for_orders(sim, 1)
        assert [(o["service"], o["link"]) for o in orders] == [(1, ORDER["link"])]
        assert info.value.permanent
    else:
        assert sim.orders(DIALECT) == []


@pytest.mark.parametrize("fault", [*HTTP_STATUS, "html", "empty"])
def test_add_outcome_unknown_keeps_the_http_status(sim, sleeps, fault):
    client = make_client(sim.api_url(DIALECT), sleeps)
    sim.set_fault(fault, actions=["add"])

    with pytest.raises(OutcomeUnknown) as info:
        client.add("1", ORDER, order_type="default")

    assert info.value.http_status == HTTP_STATUS.get(fault, 200)
    assert KEY not in str(info.value)


def test_add_after_a_one_off_fault_the_lost_order_is_there(sim, sleeps):
    client = make_client(sim.api_url(DIALECT), sleeps)
    sim.set_fault("drop_after_accept", actions=["add"], count=1)

    with pytest.raises(OutcomeUnknown):
        client.add("1", ORDER, order_type="default")
    # The order exists: sending the same order again is refused as a duplicate...
    with pytest.raises(PanelRejected) as info:
        client.add("1", ORDER, order_type="default")
    assert info.value.reason == Reason.LINK_DUPLICATE
    # ...and the fault was one-off: the next order is answered normally.
    placed = client.add("1", {**ORDER, "link": "https://instagram.com/p/next"})

    assert placed.order_id == "2"
    assert [o["id"] for o in sim.orders(DIALECT)] == ["1", "2"]
    assert seen(sim, "add") == 3


# --- connection refused --------------------------------------------------------------------


def test_a_refused_connection_is_unreachable_for_reads_and_add(sleeps):
    url = f"http://127.0.0.1:{closed_port()}/api/v2"
    client = make_client(url, sleeps, retries=2)

    for call in (client.balance, client.services, lambda: client.status("1")):
        sleeps.clear()
        with pytest.raises(PanelUnreachable):
            call()
        assert len(sleeps) == 2
    sleeps.clear()
    with pytest.raises(PanelUnreachable) as info:
        client.add("1", ORDER, order_type="default")
    assert info.value.action == "add"
    assert len(sleeps) == 2  # never connected: safe to try again


def test_add_whose_connection_never_opened_is_tried_again_and_placed_once(tmp_path, sleeps):
    port = closed_port()
    started: list[SimulatorHandle] = []

    def start_panel_while_waiting(seconds: float) -> None:
        sleeps(seconds)
        if not started:
            started.append(start_simulator(state_dir=tmp_path, port=port, keys=(KEY,)))

    client = PanelClient(
        f"http://127.0.0.1:{port}/api/v2",
        KEY,
        ClientOptions(retries=2, backoff=0.01, timeout=5.0, **LOOPBACK),
        sleep=start_panel_while_waiting,
    )
    try:
        placed = client.add("1", ORDER, order_type="default")
        (handle,) = started
        assert placed.order_id == "1"
        assert len(sleeps) == 1
        assert handle.stats()["requests"] == {"add": 1}
        assert len(handle.orders()) == 1
    finally:
        for handle in started:
            handle.stop()


# --- refill / cancel (writes in batches) ---------------------------------------------------


@pytest.fixture
def completed(sim: SimulatorHandle) -> list[str]:
    """Two completed orders of a service with refill and cancel; stats reset afterwards."""
    client = make_client(sim.api_url(DIALECT), Sleeps())
    ids = [
        client.add("1", {**ORDER, "link": f"{ORDER['link']}/{n}"}, order_type="default").order_id
        for n in range(2)
    ]
    sim.advance(25)
    sim.reset()
    return ids


@pytest.mark.parametrize("fault", ["http_500", "drop_after_accept"])
def test_batch_refill_under_a_fault_is_outcome_unknown_per_order(sim, sleeps, completed, fault):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=3)
    sim.set_fault(fault, actions=["refill"])

    found = client.refills(completed)

    assert list(found) == completed
    for result in found.values():
        assert result.refill_id is None
        assert result.error is not None
        assert result.error.reason == Reason.OUTCOME_UNKNOWN
    assert seen(sim, "refill") == 1
    assert sleeps == []
    if fault == "http_500":
        assert refills_on(sim) == []


@pytest.mark.parametrize("fault", ["http_500", "drop_after_accept"])
def test_batch_cancel_under_a_fault_is_outcome_unknown_per_order(sim, sleeps, order_id, fault):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=3)
    sim.set_fault(fault, actions=["cancel"])

    found = client.cancel([order_id, "987654"])

    assert list(found) == [order_id, "987654"]
    for result in found.values():
        assert result.accepted is False
        assert result.error is not None
        assert result.error.reason == Reason.OUTCOME_UNKNOWN
    assert seen(sim, "cancel") == 1
    assert sleeps == []
    if fault == "http_500":
        sim.clear_faults()
        assert client.status(order_id).status == "pending"


@pytest.mark.parametrize("fault", ["http_500", "drop_after_accept"])
def test_single_refill_under_a_fault_raises_outcome_unknown(sim, sleeps, completed, fault):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=3)
    sim.set_fault(fault, actions=["refill"])

    with pytest.raises(OutcomeUnknown):
        client.refill(completed[0])

    assert seen(sim, "refill") == 1
    assert sleeps == []


def test_a_write_turned_away_with_429_is_not_sent_per_order(sim, sleeps, completed):
    client = make_client(sim.api_url(DIALECT), sleeps, retries=3)
    sim.set_fault("http_429", actions=["refill"])

    found = client.refills(completed)

    assert {r.error.reason for r in found.values() if r.error} == {Reason.NOT_SENT}
    assert all(r.refill_id is None for r in found.values())
    assert seen(sim, "refill") == 1
    assert sleeps == []


def test_a_failed_write_chunk_does_not_lose_the_other_chunks(sim, sleeps, order_id):
    client = make_client(sim.api_url(DIALECT), sleeps)
    unknown = [str(700_000 + n) for n in range(149)]
    sim.set_fault("drop_after_accept", actions=["cancel"], count=1)

    found = client.cancel([*unknown[:100], order_id, *unknown[100:]])

    assert len(found) == 150
    assert {found[i].error.reason for i in unknown[:100]} == {Reason.OUTCOME_UNKNOWN}
    assert found[order_id].accepted is True  # the second chunk went through
    assert {found[i].error.reason for i in unknown[100:]} == {Reason.INCORRECT_ORDER_ID}
    assert seen(sim, "cancel") == 2


def test_writes_on_a_refused_connection_are_not_sent_per_order(sleeps):
    client = make_client(f"http://127.0.0.1:{closed_port()}/api/v2", sleeps, retries=1)

    refills = client.refills(["1", "2"])
    canceled = client.cancel(["1", "2"])

    assert {r.error.reason for r in refills.values() if r.error} == {Reason.NOT_SENT}
    assert {r.error.reason for r in canceled.values() if r.error} == {Reason.NOT_SENT}
    assert len(sleeps) == 2  # one retry each: nothing left this machine
