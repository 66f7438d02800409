"""Every panel call ends by its total deadline, however slowly the panel trickles its answer."""

from __future__ import annotations

import pytest

from panels.api.client import PanelClient
from panels.api.errors import Cause, OutcomeUnknown, PanelUnavailable
from panels.api.options import ClientOptions, longest_write_seconds
from tests.panels.local import LOOPBACK
from tests.panels.slowserver import AnswerServer

# One byte every 0.2 s: each read gets a byte long before the per-read timeout would fire.
SLOW_BODY = b'{"order": 123456, "padding": "' + b"x" * 200 + b'"}'


def client(url: str, *, timeout: float = 1.0, retries: int = 0) -> PanelClient:
    options = ClientOptions(timeout=timeout, connect_timeout=1.0, retries=retries, **LOOPBACK)
    return PanelClient(url, "secret-key", options, sleep=lambda _: None)


def test_an_add_whose_answer_trickles_in_ends_as_unknown_by_the_deadline():
    with AnswerServer(SLOW_BODY, trickle=0.2) as server, pytest.raises(OutcomeUnknown) as caught:
        client(server.url).add("1", {"link": "https://x.test/a", "quantity": "100"})

    assert caught.value.cause == Cause.TIMEOUT
    assert "no complete answer within 1s" in caught.value.message
    assert "the panel may have done it" in caught.value.message
    assert len(server.requests) == 1  # never sent again


def test_a_status_line_and_headers_that_trickle_in_end_by_the_deadline_too():
    slow = AnswerServer(SLOW_BODY, trickle=0.2, trickle_headers=True)
    with slow as server, pytest.raises(OutcomeUnknown) as caught:
        client(server.url).add("1", {"link": "https://x.test/a", "quantity": "100"})

    assert caught.value.cause == Cause.TIMEOUT


def test_a_read_that_trickles_in_is_unavailable_and_tried_again_per_the_rules():
    slow = AnswerServer(b'{"balance": "1.00", "currency": "USD"}' + b" " * 100, trickle=0.2)
    with slow as server, pytest.raises(PanelUnavailable) as caught:
        client(server.url, retries=1).balance()

    assert caught.value.cause == Cause.TIMEOUT
    assert "no complete answer within 1s" in caught.value.message
    assert len(server.requests) == 2  # a read is retried, each try with its own deadline


def test_an_answer_that_comes_in_time_is_read_whole_on_a_deadline_connection():
    with AnswerServer(b'{"order": 77}', trickle=0.01, chunk=4) as server:
        placed = client(server.url, timeout=5).add("1", {"link": "https://x.test/a"})

    assert placed.order_id == "77"
    assert placed.answer == '{"order": 77}'


def test_the_longest_write_counts_every_attempt_and_pause():
    options = ClientOptions(timeout=30, retries=2, backoff=1, max_delay=30)
    # three attempts that each end by the deadline; pauses of at most 1.5 x 1 s and 1.5 x 2 s
    assert longest_write_seconds(options) == 3 * 30 + 1.5 + 3

    slow = ClientOptions(timeout=30, retries=2, backoff=15, max_delay=30)
    assert longest_write_seconds(slow) == 3 * 30 + 22.5 + 30  # a pause never passes max_delay


def test_no_pause_between_write_attempts_is_longer_than_the_bound_counts(monkeypatch):
    """The bound holds for the jitter's worst draw: the reaper and the lease rely on it."""
    import random

    from panels.api.client import PanelClient
    from panels.api.options import BACKOFF_JITTER_MAX

    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    options = ClientOptions(timeout=5, retries=3, backoff=2, max_delay=10)
    client = PanelClient("http://127.0.0.1:9/api/v2", "k", options)
    pauses = [client._retry_delay(attempt, None) for attempt in range(options.retries)]
    assert pauses == [min(2 * 2**n * BACKOFF_JITTER_MAX, 10) for n in range(3)]
    assert longest_write_seconds(options) == 4 * 5 + sum(pauses)
