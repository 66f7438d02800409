"""Texts and numbers no column takes, and requests that never left: a panel's error with a NUL
or a lone surrogate, a body with a raw NUL byte, money that rounds up to 10**12, raw answers
nested past any limit, a deadline that passes while connecting, a header that cannot be sent.

Each must end as what really happened: rejected in the panel's words, unknown with the answer
kept, or not sent (back in the queue). Nothing raises out of a send or a sync, and nothing is
left submitting.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest
import responses
import urllib3.connection

from orders.models import Order
from orders.services import order_dispatch, orders_status_sync
from panels.api import normalise
from panels.api.client import PanelClient
from panels.api.errors import PanelUnreachable, RequestNotSent
from panels.api.options import ClientOptions
from panels.models import Panel
from tests.orders.hostile import URL, answer_with, good_status, placed, statuses_answer
from tests.orders.hostile import make_panel as make_hostile_panel
from tests.orders.hostile import make_service as make_hostile_service
from tests.orders.test_late_answers import claimed, point_at
from tests.panels.local import LOOPBACK
from tests.panels.slowserver import AnswerServer

State = Order.State


@pytest.mark.parametrize("text", ["Not enough funds\u0000 on balance", "Not enough funds \ud800"])
def test_an_error_text_no_column_takes_still_rejects_the_order_in_the_panels_words(panel, text):
    body = json.dumps({"error": text}).encode()
    with AnswerServer(body) as server:
        point_at(panel, server.url)
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.REJECTED  # the panel refused it: never "may have placed it"
    assert "Not enough funds" in order.last_error
    assert "\x00" not in order.last_error
    assert order.add_answer.startswith('{"error"')


def test_a_body_with_a_raw_nul_byte_leaves_the_order_unknown_with_the_answer_kept(panel):
    with AnswerServer(b"<html>upstream\x00 error</html>") as server:
        point_at(panel, server.url)
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.UNKNOWN
    assert order.add_answer == "<html>upstream error</html>"


def test_an_order_id_under_an_error_status_is_unknown_not_rejected(panel):
    with AnswerServer(b'{"order": 4242}', status=400) as server:
        point_at(panel, server.url)
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.UNKNOWN  # the panel may have placed it: never "place again"
    assert "HTTP 400 with an order id" in order.last_error
    assert order.add_answer == '{"order": 4242}'


def test_a_refusal_keeps_the_panels_answer_on_the_order(panel):
    with AnswerServer(b'{"error": "Incorrect request"}', status=403) as server:
        point_at(panel, server.url)
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.REJECTED
    assert order.add_answer == '{"error": "Incorrect request"}'


def test_a_deadline_that_passes_while_connecting_sends_nothing(monkeypatch):
    """Slow name resolution or a slow connect used up the call's time: not a byte went out,
    so the add is a connection that never opened (retried, then requeued), never unknown."""
    connect = urllib3.connection.HTTPConnection._new_conn

    def slow_connect(self):  # type: ignore[no-untyped-def]
        time.sleep(0.4)
        return connect(self)

    monkeypatch.setattr(urllib3.connection.HTTPConnection, "_new_conn", slow_connect)
    options = ClientOptions(timeout=0.2, connect_timeout=5, retries=0, **LOOPBACK)
    with AnswerServer(b'{"order": 1}') as server:
        client = PanelClient(server.url, "key", options, sleep=lambda _: None)
        with pytest.raises(PanelUnreachable):
            client.add("1", {"link": "https://x.test/a", "quantity": "100"})
        time.sleep(0.2)  # what the server would have read

    assert all(request == b"" for request in server.requests)  # connected at most: no byte


def test_a_user_agent_no_header_can_carry_sends_nothing_and_requeues_the_order(panel):
    with AnswerServer(b'{"order": 1}') as server:
        point_at(panel, server.url, user_agent="Dashboard — 1.0")
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.QUEUED
    assert "could not be built" in order.last_error
    assert server.requests == []


def test_missing_required_fields_are_not_sent_and_never_unknown():
    client = PanelClient(URL, "key", ClientOptions(retries=0))
    with responses.RequestsMock() as mock:  # any request would fail: none is expected
        with pytest.raises(RequestNotSent, match="nothing was sent"):
            client.add("1", {"link": "https://x.test/a"}, order_type="custom_comments")
        assert len(mock.calls) == 0


def test_money_that_rounds_up_to_the_columns_limit_is_refused():
    assert normalise.money("999999999999.999999999999", field="charge") == Decimal(
        "999999999999.999999999999"
    )
    with pytest.raises(normalise.BadValue, match="too large to be real"):
        normalise.money("999999999999.9999999999999", field="charge")


@pytest.fixture
def hostile_panel(db: None) -> Panel:
    return make_hostile_panel()


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        yield mocked


@pytest.mark.parametrize(
    "entry",
    [
        {"charge": "999999999999.9999999999999"},  # rounds up to 10**12 in the column
        {"note": "\ud800"},  # a lone surrogate: no encoding takes it
        {"note": json.loads("[" * 400 + "]" * 400)},  # deeper than anything needs
    ],
    ids=["charge-rounds-up", "lone-surrogate", "deep-nesting"],
)
def test_a_status_entry_no_column_takes_sets_aside_or_stores_safely_and_the_others_are_written(
    hostile_panel, mock, entry
):
    bad, good = placed(hostile_panel, make_hostile_service(panel=hostile_panel), 2)
    answer_with(
        mock,
        statuses_answer(
            lambda i: {**good_status(i), **entry} if i == bad.remote_id else good_status(i)
        ),
    )

    result = orders_status_sync(panel=hostile_panel)  # must not raise

    assert result.updated + result.set_aside == 2
    good.refresh_from_db()
    assert good.status == "in_progress"
    bad.refresh_from_db()
    assert "\ud800" not in json.dumps(bad.raw_status)
