"""Every panel call ends by its total deadline, however slowly the panel trickles its answer."""

from __future__ import annotations

import pytest

from panels.client import ClientOptions, PanelClient, longest_write_seconds
from panels.errors import Cause, OutcomeUnknown, PanelUnavailable
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
    options = ClientOptions(timeout=30, retries=2, max_delay=30)

    assert longest_write_seconds(options) == 3 * 30 + 2 * 30
