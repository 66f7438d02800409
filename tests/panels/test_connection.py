"""Testing a panel connection explains every kind of failure in plain words."""

from __future__ import annotations

import socket
from decimal import Decimal

import pytest
import requests
import responses

from panels.services import panel_connection_test

URL = "https://panel.example/api/v2"


def check(**answer):
    responses.add(responses.POST, URL, **answer)
    return panel_connection_test(api_url=URL, api_key="k-123")


@responses.activate
def test_a_good_connection_shows_the_balance():
    result = check(json={"balance": "100.84292", "currency": "USD"})

    assert result.ok
    assert (result.balance, result.currency) == (Decimal("100.84292"), "USD")
    assert result.message == "Connected. Balance: 100.84292 USD."


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"json": {"error": "Invalid API key"}}, "refused the API key"),
        ({"status": 404, "body": "<html>Not Found</html>"}, "no API at this URL (HTTP 404)"),
        ({"body": "<html><body>Welcome to our panel</body></html>"}, "web page, not the API"),
        ({"status": 403, "body": "<title>Just a moment...</title><div id='cf-chl'>"},
         "Cloudflare"),
        ({"status": 503, "body": "<title>Just a moment...</title>"}, "Cloudflare"),
        ({"json": {"hello": "world"}}, "JSON, but not what API v2 answers to 'balance'"),
        ({"json": {"error": "Incorrect request"}}, "refused the balance request"),
        ({"status": 502, "body": "bad gateway"}, "having trouble (HTTP 502)"),
        ({"status": 429, "body": ""}, "rate limiting"),
        ({"body": requests.ReadTimeout("read timed out")}, "did not answer within"),
        ({"body": requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED")}, "TLS/SSL"),
        ({"status": 301, "headers": {"Location": "https://www.panel.example/api/v2"}},
         "https://www.panel.example/api/v2"),
    ],
)  # fmt: skip
@responses.activate
def test_each_failure_gets_a_clear_reason(answer, words):
    result = check(**answer)

    assert not result.ok
    assert words in result.message
    assert len(responses.calls) == 1  # one try: people are waiting for the answer


def test_a_refused_connection_is_explained():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    result = panel_connection_test(api_url=f"http://127.0.0.1:{port}/api/v2", api_key="k")

    assert not result.ok
    assert "Could not connect" in result.message


@responses.activate
def test_a_balance_that_cannot_be_used_is_said_plainly():
    result = check(json={"balance": "1e30", "currency": "USD"})

    assert result.ok
    assert result.balance is None
    assert result.message == (
        "Connected, but its balance cannot be used: the balance 1e30 is too large to be real."
    )
