"""How the client behaves around the answers: batching, retries, errors, options, secrecy."""

from __future__ import annotations

import json
import logging
import socket
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses

from panels.api.client import PanelClient
from panels.api.errors import (
    BadApiKey,
    OutcomeUnknown,
    PanelHttpError,
    PanelRejected,
    PanelUnavailable,
    PanelUnreachable,
    RateLimited,
    Reason,
    RequestNotSent,
)
from panels.api.options import ClientOptions
from tests.panels.local import LOOPBACK

URL = "https://panel.example/api/v2"
KEY = "very-secret-key-4f1c9a"


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def make_client(sleeps: Sleeps, **options: object) -> PanelClient:
    opts = {"retries": 2, "backoff": 1.0, **options}
    return PanelClient(URL, KEY, ClientOptions(**opts), sleep=sleeps)  # type: ignore[arg-type]


def fields_of(call: responses.Call) -> dict[str, str]:
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    return {k: v[0] for k, v in parse_qs(text).items()}


@responses.activate
def test_it_splits_batches_into_calls_of_100_ids(sleeps):
    def answer(request):
        ids = fields_of(responses.Call(request, None))["orders"].split(",")
        body = {i: {"status": "Pending", "charge": "0.1", "remains": "5"} for i in ids}
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.POST, URL, callback=answer)
    ids = [str(n) for n in range(1, 251)]

    found = make_client(sleeps).statuses(ids)

    assert [len(fields_of(c)["orders"].split(",")) for c in responses.calls] == [100, 100, 50]
    assert list(found) == ids
    assert found["250"].charge == Decimal("0.1")


@responses.activate
def test_it_reports_ids_the_panel_left_out(sleeps):
    responses.add(responses.POST, URL, json={"1": {"status": "Completed"}})

    found = make_client(sleeps).statuses(["1", "2"])

    assert found["2"].reason == Reason.MISSING


@responses.activate
def test_it_retries_read_only_actions_with_growing_backoff(sleeps):
    responses.add(responses.POST, URL, status=502, body="<html>Bad gateway</html>")
    responses.add(responses.POST, URL, status=503, body="")
    responses.add(responses.POST, URL, json={"balance": "5.10", "currency": "EUR"})

    balance = make_client(sleeps).balance()

    assert balance.amount == Decimal("5.10")
    assert len(responses.calls) == 3
    assert len(sleeps) == 2
    assert 0.5 <= sleeps[0] <= 1.5  # backoff 1s with jitter
    assert 1.0 <= sleeps[1] <= 3.0  # doubled


@responses.activate
def test_it_gives_up_after_the_configured_retries(sleeps):
    responses.add(responses.POST, URL, status=500, body="oops")

    with pytest.raises(PanelUnavailable) as info:
        make_client(sleeps, retries=1).services()

    assert len(responses.calls) == 2
    assert info.value.http_status == 500
    assert not info.value.permanent


@responses.activate
def test_it_honours_retry_after_on_429(sleeps):
    responses.add(responses.POST, URL, status=429, headers={"Retry-After": "7"}, body="slow")
    responses.add(responses.POST, URL, json={"balance": "1", "currency": "USD"})

    make_client(sleeps, backoff=0.1).balance()

    assert sleeps == [7.0]


@responses.activate
def test_it_retries_a_body_that_is_not_json_on_reads(sleeps):
    responses.add(responses.POST, URL, body="<html><title>Just a moment...</title></html>")
    responses.add(responses.POST, URL, body='[{"service": 1, "name": "X", "rate": "1"')
    responses.add(responses.POST, URL, body='[{"service": 1, "name": "X", "rate": "1"}]')

    catalog = make_client(sleeps).services()

    assert [s.service_id for s in catalog.services] == ["1"]
    assert len(responses.calls) == 3


@responses.activate
def test_json_nested_deeper_than_python_recurses_is_no_answer_not_a_crash(sleeps):
    deep = "[" * 100_000 + "]" * 100_000
    responses.add(responses.POST, URL, body=deep)
    responses.add(responses.POST, URL, body=deep)

    with pytest.raises(PanelUnavailable, match="not JSON"):
        make_client(sleeps, retries=1).services()
    with pytest.raises(OutcomeUnknown, match="not JSON"):  # sent: the panel may have placed it
        make_client(sleeps).add("1", {"link": "https://x.example/p", "quantity": 10})


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 500, "body": "<html>Internal Server Error</html>"},
        {"status": 502, "body": ""},
        {"status": 200, "body": "<!DOCTYPE html><title>Just a moment...</title>"},
        {"status": 200, "body": '{"ord'},
        {"status": 200, "body": ""},
        {"status": 200, "body": '{"status": "ok"}'},
        {"body": requests.ReadTimeout("read timed out")},
        {"body": requests.ConnectionError("Connection aborted: RemoteDisconnected")},
    ],
)
@responses.activate
def test_add_is_never_resent_once_it_may_have_reached_the_panel(sleeps, answer):
    responses.add(responses.POST, URL, **answer)
    responses.add(responses.POST, URL, json={"order": 1})

    with pytest.raises(OutcomeUnknown) as info:
        make_client(sleeps).add("1", {"link": "https://x.test/a", "quantity": 100})

    assert len(responses.calls) == 1
    assert sleeps == []
    assert info.value.permanent
    assert "Check on the panel" in info.value.message or "unexpected answer" in info.value.message


@responses.activate
def test_add_turned_away_with_429_is_not_resent_by_the_client(sleeps):
    responses.add(responses.POST, URL, status=429, headers={"Retry-After": "3"}, body="")
    responses.add(responses.POST, URL, json={"order": 1})

    with pytest.raises(RateLimited) as info:
        make_client(sleeps).add("1", {"link": "https://x.test/a", "quantity": 100})

    assert len(responses.calls) == 1
    assert info.value.retry_after == 3.0
    assert not info.value.permanent  # the caller may queue it again later


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_add_on_a_refused_connection_is_unreachable_not_unknown(sleeps):
    options = ClientOptions(retries=1, backoff=0.01, **LOOPBACK)
    client = PanelClient(f"http://127.0.0.1:{closed_port()}/api/v2", KEY, options, sleep=sleeps)

    with pytest.raises(PanelUnreachable) as info:
        client.add("1", {"link": "https://x.test/a", "quantity": 100})

    assert len(sleeps) == 1  # nothing left the machine, so one more try was safe
    assert not info.value.permanent


@responses.activate
def test_add_reads_an_in_band_rejection_with_a_clear_message(sleeps):
    responses.add(responses.POST, URL, json={"error": "neworder.error.not_enough_funds"})

    with pytest.raises(PanelRejected) as info:
        make_client(sleeps).add("1", {"link": "https://x.test/a", "quantity": 100})

    assert info.value.reason == Reason.NOT_ENOUGH_FUNDS
    assert info.value.text == "neworder.error.not_enough_funds"
    assert info.value.message == "Not enough funds on the panel's balance."


@responses.activate
def test_an_unknown_error_text_is_shown_as_the_panel_wrote_it(sleeps):
    responses.add(responses.POST, URL, json={"error": "Service is paused for maintenance"})

    with pytest.raises(PanelRejected) as info:
        make_client(sleeps).add("1", {"link": "https://x.test/a", "quantity": 100})

    assert info.value.reason == Reason.UNKNOWN
    assert info.value.message == "Service is paused for maintenance"


@responses.activate
def test_it_rejects_a_bad_api_key_permanently(sleeps):
    responses.add(responses.POST, URL, json={"error": "Invalid API key"})

    with pytest.raises(BadApiKey) as info:
        make_client(sleeps).balance()

    assert info.value.permanent
    assert len(responses.calls) == 1  # not retried


@responses.activate
def test_a_404_means_the_url_is_wrong(sleeps):
    responses.add(responses.POST, URL, status=404, body="<html>Not Found</html>")

    with pytest.raises(PanelHttpError) as info:
        make_client(sleeps).balance()

    assert info.value.permanent
    assert "check the API URL" in info.value.message


@responses.activate
def test_a_redirect_is_reported_not_followed(sleeps):
    https_url = URL.replace("https://", "https://www.")
    responses.add(responses.POST, URL, status=301, headers={"Location": https_url})
    responses.add(responses.GET, https_url, json={"error": "Invalid API key"})

    with pytest.raises(PanelHttpError) as info:
        make_client(sleeps).add("1", {"link": "https://x.test/a", "quantity": 100})

    assert len(responses.calls) == 1
    assert https_url in info.value.message
    assert info.value.http_status == 301


@responses.activate
def test_a_failed_write_chunk_is_reported_per_order_and_earlier_chunks_are_kept(sleeps):
    first = [{"order": i, "cancel": 1} for i in range(1, 101)]
    responses.add(responses.POST, URL, json=first)
    responses.add(responses.POST, URL, status=504, body="Gateway Timeout")

    found = make_client(sleeps).cancel([str(i) for i in range(1, 151)])

    assert len(responses.calls) == 2
    assert all(found[str(i)].accepted for i in range(1, 101))
    assert found["150"].accepted is False
    assert found["150"].error.reason == Reason.OUTCOME_UNKNOWN


@responses.activate
def test_a_panel_without_cancel_gives_each_order_the_panels_error(sleeps):
    responses.add(responses.POST, URL, json={"error": "Incorrect request"})

    found = make_client(sleeps).cancel(["5", "6"])

    assert {r.error.reason for r in found.values()} == {Reason.INCORRECT_REQUEST}


def test_it_refuses_ids_that_would_corrupt_a_batch(sleeps):
    with pytest.raises(ValueError, match="not a usable remote id"):
        make_client(sleeps).statuses(["1", "2,3"])


def test_add_checks_the_types_required_fields_before_sending(sleeps):
    with pytest.raises(RequestNotSent, match="Custom Comments orders need: comments"):
        make_client(sleeps).add("2", {"link": "https://x.test/a"}, order_type="custom_comments")


@responses.activate
def test_add_sends_list_fields_one_item_per_line(sleeps):
    responses.add(responses.POST, URL, json={"order": "ord_01HG"})

    placed = make_client(sleeps).add(
        "2",
        {"link": "https://x.test/a", "comments": "nice\r\n\r\ngreat  \n wow"},
        order_type="custom_comments",
    )

    assert placed.order_id == "ord_01HG"
    assert fields_of(responses.calls[0])["comments"] == "nice\ngreat\nwow"


@responses.activate
def test_it_honours_get_and_a_renamed_key_field(sleeps):
    responses.add(responses.GET, URL, json={"balance": "2", "currency": "USD"})

    make_client(sleeps, method="GET", key_field="api_token", user_agent="Reseller/2").balance()

    request = responses.calls[0].request
    query = parse_qs(urlsplit(request.url).query)
    assert query == {"api_token": [KEY], "action": ["balance"]}
    assert request.headers["User-Agent"] == "Reseller/2"


@responses.activate
def test_it_honours_a_json_body(sleeps):
    responses.add(responses.POST, URL, json={"balance": "2", "currency": "USD"})

    make_client(sleeps, body="json").balance()

    request = responses.calls[0].request
    assert json.loads(request.body) == {"key": KEY, "action": "balance"}
    assert request.headers["Content-Type"] == "application/json"


@responses.activate
def test_the_api_key_never_shows_in_repr_errors_or_logs(sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    responses.add(responses.GET, URL, body=requests.ConnectionError(f"failed {URL}?key={KEY}"))
    responses.add(responses.GET, URL, status=500, body=f"debug dump: key={KEY}")
    client = make_client(sleeps, method="GET", retries=0)

    with pytest.raises(PanelUnavailable) as first:
        client.balance()
    with pytest.raises(PanelUnavailable) as second:
        client.balance()

    assert KEY not in repr(client)
    for error in (first.value, second.value):
        assert KEY not in str(error)
        assert KEY not in repr(error)
        # Tracebacks must not show the original requests error, which quotes the URL.
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
    assert KEY not in caplog.text
