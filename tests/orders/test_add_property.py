"""Whatever JSON a panel answers `add` with, placing never raises, never leaves the order
submitting, never stores an id that is out of range or makes no sense, and records a sane id."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter

from orders.models import Order
from orders.services import order_claim, order_create, order_dispatch
from panels.api.client import PanelClient
from panels.models import Panel
from tests.orders.helpers import service_of, values_for

State = Order.State
SETTLED = {State.PLACED, State.UNKNOWN, State.REJECTED, State.QUEUED}


class FixedAnswer(HTTPAdapter):
    """Answers every request with `body`, HTTP 200, without any network."""

    body = b""

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = 200
        response.headers["Content-Type"] = "application/json"
        response.raw = io.BytesIO(self.body)
        response.request = request
        response.url = request.url or ""
        return response


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**120), max_value=10**120)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=300)
    | st.sampled_from(["NaN", "1e309", "0", "-5", "12.5", " 42 ", "1,2", "x" * 101, "٣"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
raw_numbers = st.sampled_from(
    ["1e309", "-1e309", "1E2", "12.0", "-0", "0.0", "NaN", "Infinity", "-Infinity", "1" * 150]
)


@st.composite
def answers(draw: st.DrawFn) -> tuple[bytes, Any]:
    """(body, the `order` value when the body is an object with one)."""
    kind = draw(st.sampled_from(["order", "raw_number", "whole"]))
    if kind == "raw_number":
        token = draw(raw_numbers)
        return f'{{"order": {token}}}'.encode(), token
    value = draw(json_values)
    body = {"order": value} if kind == "order" else value
    return json.dumps(body).encode(), value if kind == "order" else None


def sane_id(value: Any) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**99:
        return str(value)
    return None


@pytest.fixture
def fake_panel(panel: Panel, monkeypatch: pytest.MonkeyPatch) -> FixedAnswer:
    adapter = FixedAnswer()
    session = requests.Session()
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    def client(self: Panel, **overrides: object) -> PanelClient:
        return PanelClient(
            self.api_url, self.api_key, self.client_options(**overrides), session=session
        )

    monkeypatch.setattr(Panel, "client", client)
    return adapter


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(answer=answers())
def test_any_json_answer_to_add_settles_the_order_safely(fake_panel, panel, answer):
    body, order_value = answer
    fake_panel.body = body
    service = service_of(panel, "default")
    order = order_create(service=service, values=values_for(service), dispatch=False)
    assert order_claim(order_id=order.pk)

    order = order_dispatch(order=Order.objects.select_related("panel", "service").get(pk=order.pk))

    try:
        assert order.state in SETTLED, order.state
        order.refresh_from_db()
        assert order.state != State.SUBMITTING
        if order.remote_id is not None:
            remote_id = order.remote_id
            assert 0 < len(remote_id) <= 100
            assert "," not in remote_id
            assert not any(c.isspace() for c in remote_id)
            assert all(c.isprintable() for c in remote_id)
            if remote_id.isdigit():
                assert int(remote_id) > 0
        expected = sane_id(order_value)
        if expected is not None:
            assert order.state == State.PLACED, order.last_error
            assert order.remote_id == expected
        if order.state != State.PLACED:
            assert order.remote_id is None
        if order.state == State.UNKNOWN:
            assert order.add_answer == body.decode("utf-8-sig", errors="replace")[:2000]
    finally:
        Order.objects.filter(pk=order.pk).delete()
