"""Where panel requests may go: https only, public addresses only, resolved once and pinned, and
answers read up to a size limit. Against the real simulator and real sockets on loopback."""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from panels.api import addresses
from panels.api.addresses import AddressPolicy, RefusedAddress, check_url, is_public
from panels.api.client import PanelClient
from panels.api.errors import AddressRefused, Cause, OutcomeUnknown, PanelUnavailable
from panels.api.options import ClientOptions
from simulator import SimulatorHandle, start_simulator

KEY = "transport-key-0123456789"
STRICT = AddressPolicy(allow_http=False, allow_private=False)


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path, port=0, keys=(KEY,), balance=Decimal("50"))
    yield handle
    handle.stop()


def requests_seen(sim: SimulatorHandle) -> int:
    return sum(sim.stats("standard")["requests"].values())


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "0.0.0.0",  # noqa: S104  (an address to classify, not one to bind)
        "224.0.0.1", "192.0.2.10",
    ],
)  # fmt: skip
def test_private_loopback_link_local_and_reserved_addresses_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_are_public(address):
    assert is_public(address)


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://panel.example/api/v2", "https"),
        ("https://localhost/api/v2", "this server"),
        ("https://api.localhost/api/v2", "this server"),
        ("https://127.0.0.1/api/v2", "private or local"),
        ("https://169.254.169.254/latest/meta-data", "private or local"),
        ("https://[::1]:8443/api/v2", "private or local"),
        ("https://10.0.0.7/api/v2", "private or local"),
        ("ftp://panel.example/api/v2", "full http(s)"),
    ],
)
def test_strict_policy_refuses_the_url_before_anything_is_resolved(url, why):
    with pytest.raises(RefusedAddress, match=re.escape(why)):
        check_url(url, STRICT)


def test_allowed_policies_let_http_and_loopback_through():
    check_url("http://127.0.0.1:8000/api/v2", AddressPolicy(allow_http=True, allow_private=True))
    check_url("https://panel.example/api/v2", STRICT)  # a name: checked when connecting


def test_plain_http_is_refused_before_the_key_leaves(sim):
    client = PanelClient(sim.api_url(), KEY, ClientOptions(retries=0, allow_private=True))

    with pytest.raises(AddressRefused, match="https") as info:
        client.balance()

    assert info.value.cause == Cause.REFUSED_ADDRESS
    assert requests_seen(sim) == 0


def test_a_loopback_panel_is_refused_in_production(sim):
    client = PanelClient(sim.api_url(), KEY, ClientOptions(retries=0, allow_http=True))

    with pytest.raises(AddressRefused, match="private or local"):
        client.add("1", {"link": "https://instagram.com/p/x", "quantity": 100})

    assert requests_seen(sim) == 0


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: list[str]) -> list[str]:
    """socket.getaddrinfo answering each lookup with the next address; returns the log."""
    asked: list[str] = []

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        asked.append(host)
        address = answers[min(len(asked), len(answers)) - 1]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_resolving_to_a_private_address_is_refused_at_connect_time(sim, monkeypatch):
    asked = fake_dns(monkeypatch, ["127.0.0.1"])
    url = sim.api_url().replace("127.0.0.1", "panel.example")
    client = PanelClient(url, KEY, ClientOptions(retries=2, allow_http=True))

    with pytest.raises(AddressRefused, match=re.escape("panel.example resolves to 127.0.0.1")):
        client.balance()

    assert asked == ["panel.example"]  # refused at once: no retries
    assert requests_seen(sim) == 0


def pretend_public(address: str, *public: str) -> bool:
    """is_public for these tests: names still raise ValueError, as in the real one."""
    ipaddress.ip_address(address)
    return not public or address in public


def test_the_checked_address_is_the_one_connected_to(sim, monkeypatch):
    """DNS rebinding: the first answer passes the check, a later one would point elsewhere.
    The connection goes to the checked address, the name is never looked up twice."""
    asked = fake_dns(monkeypatch, ["127.0.0.1", "10.9.9.9"])
    # 127.0.0.1 stands in for a public address here; 10.9.9.9 is still refused.
    monkeypatch.setattr(
        addresses, "is_public", lambda address: pretend_public(address, "127.0.0.1")
    )
    url = sim.api_url().replace("127.0.0.1", "rebind.example")
    client = PanelClient(url, KEY, ClientOptions(retries=0, allow_http=True))

    assert client.balance().amount == Decimal("50")
    assert asked == ["rebind.example"]


def test_a_public_name_is_allowed_through_the_pinned_connection(sim, monkeypatch):
    fake_dns(monkeypatch, ["127.0.0.1"])
    monkeypatch.setattr(addresses, "is_public", lambda address: pretend_public(address))
    url = sim.api_url().replace("127.0.0.1", "panel.example")
    client = PanelClient(url, KEY, ClientOptions(retries=0, allow_http=True))

    placed = client.add("1", {"link": "https://instagram.com/p/pinned", "quantity": 100})

    assert placed.order_id
    assert sim.stats("standard")["requests"]["add"] == 1


class _BigAnswer(BaseHTTPRequestHandler):
    """Answers every request with `size` bytes, with or without a Content-Length."""

    size = 0
    declare_length = True
    requests_seen = 0

    def do_POST(self) -> None:
        type(self).requests_seen += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.declare_length:
            self.send_header("Content-Length", str(self.size))
        self.end_headers()
        chunk = b" " * 65536
        sent = 0
        try:
            while sent < self.size:
                piece = chunk[: self.size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading, as it should

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def big_server() -> Iterator[tuple[str, type[_BigAnswer]]]:
    handler = type("Handler", (_BigAnswer,), {"requests_seen": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.protocol_version = "HTTP/1.0"  # no Content-Length: the body ends when it closes
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v2", handler
    server.shutdown()
    server.server_close()


LIMIT = 256 * 1024
LOCAL = {"allow_http": True, "allow_private": True, "retries": 0, "max_response_bytes": LIMIT}


@pytest.mark.parametrize("declare_length", [True, False])
def test_an_answer_over_the_limit_is_not_read(big_server, declare_length):
    url, handler = big_server
    handler.size, handler.declare_length = 50 * 1024 * 1024, declare_length
    client = PanelClient(url, KEY, ClientOptions(**LOCAL))

    with pytest.raises(PanelUnavailable) as info:
        client.services()

    assert info.value.cause == Cause.TOO_LARGE
    assert f"larger than {LIMIT:,} bytes" in info.value.message


def test_an_oversized_answer_to_add_leaves_the_outcome_unknown(big_server):
    url, handler = big_server
    handler.size, handler.declare_length = 2 * LIMIT, False
    client = PanelClient(url, KEY, ClientOptions(**LOCAL))

    with pytest.raises(OutcomeUnknown) as info:
        client.add("1", {"link": "https://instagram.com/p/big", "quantity": 100})

    assert info.value.cause == Cause.TOO_LARGE
    assert handler.requests_seen == 1  # sent once, never again


def test_an_answer_just_under_the_limit_is_read(big_server):
    url, handler = big_server
    handler.size, handler.declare_length = LIMIT, True  # blanks: read whole, then not JSON
    client = PanelClient(url, KEY, ClientOptions(**LOCAL))

    with pytest.raises(PanelUnavailable) as info:
        client.balance()

    assert info.value.cause == Cause.NOT_JSON
