"""Where panel requests may go: public https addresses only, unless a deployment allows more.

A panel's API URL is typed by a person, so it is also a way to make this server call anything
it can reach: the database, the cloud metadata service, an admin page on the private network.
Two rules, both enforced when a request is sent, not only when the URL is saved:

- `https` is required unless `allow_http` (the simulator, and a laptop, use plain http).
- Unless `allow_private`, the host name is resolved, every address that is not a public one
  (private, loopback, link-local, carrier-grade NAT, multicast, reserved) is dropped, and the
  connection is opened to one of the remaining addresses *that were just checked*. The name is
  never resolved a second time, so a DNS answer that changes between check and connect (DNS
  rebinding) cannot get around the rule. TLS still verifies the certificate against the name.

Every call also has a total deadline (`call_deadline`), enforced at the socket: connecting
takes at most the time left, and every send and receive waits at most min(per-read timeout,
time left). A panel that trickles its answer one byte at a time cannot hold a call past it.

No Django imports; used by panels.client.
"""

from __future__ import annotations

import io
import ipaddress
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError


class AddressPolicy(NamedTuple):
    allow_http: bool = False
    allow_private: bool = False


class RefusedAddress(ValueError):
    """The URL or the address it resolves to is not one panels may be called at."""


class RefusedConnection(NewConnectionError):
    """Raised while connecting: nothing was sent. Carries the plain reason."""

    def __init__(self, conn: Any, reason: str):
        super().__init__(conn, reason)
        self.reason = reason


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback too
    return ip.is_global and not ip.is_multicast


def check_url(url: str, policy: AddressPolicy) -> None:
    """What can be decided from the URL alone (the address is checked again at connect time)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise RefusedAddress("the API URL must be a full http(s) address")
    if scheme == "http" and not policy.allow_http:
        raise RefusedAddress("the API URL must use https://; plain http sends the key in clear")
    if policy.allow_private:
        return
    host = parts.hostname
    if host == "localhost" or host.endswith(".localhost"):
        raise RefusedAddress(f"{host} is this server itself, not a panel")
    try:
        literal = is_public(host)
    except ValueError:
        return  # a name: resolved and checked when connecting
    if not literal:
        raise RefusedAddress(f"{host} is a private or local network address, not a panel")


def public_addresses(host: str, port: int) -> list[tuple[int, str]]:
    """(family, address) of every public address `host` resolves to, in resolver order."""
    found: list[tuple[int, str]] = []
    refused: list[str] = []
    for family, _, _, _, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        address = str(sockaddr[0])
        if is_public(address):
            if (family, address) not in found:
                found.append((family, address))
        else:
            refused.append(address)
    if not found:
        shown = ", ".join(sorted(set(refused))) or "nothing"
        raise RefusedAddress(
            f"{host} resolves to {shown}: a private or local network address, not a panel"
        )
    return found


# --- the deadline of one call ---------------------------------------------------------------

_deadline: ContextVar[float | None] = ContextVar("panel_call_deadline", default=None)


class DeadlineExceeded(TimeoutError):
    """The call's total deadline passed: no complete answer in time."""


@contextmanager
def call_deadline(seconds: float) -> Iterator[float]:
    """Every socket operation of panel connections inside this block ends by the deadline.

    Yields the deadline on the `time.monotonic()` clock.
    """
    deadline = time.monotonic() + seconds
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds before the current call's deadline (<= 0 once passed); None outside a call."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class DeadlineSocket:
    """A connected socket (plain or TLS) whose every send and receive ends by the deadline.

    Wraps the socket urllib3 and http.client use after connecting; the answer is read through
    `makefile`, which reads through `recv_into` here.
    """

    def __init__(self, sock: socket.socket):
        self._sock = sock
        self._timeout = sock.gettimeout()  # the per-read timeout urllib3 asks for

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)

    def settimeout(self, value: float | None) -> None:
        self._timeout = value
        self._sock.settimeout(value)

    def gettimeout(self) -> float | None:
        return self._timeout

    def _arm(self) -> None:
        left = time_left()
        if left is None:
            self._sock.settimeout(self._timeout)
            return
        if left <= 0:
            raise DeadlineExceeded("no complete answer before the call's deadline")
        self._sock.settimeout(left if self._timeout is None else min(self._timeout, left))

    def recv_into(self, *args: Any) -> int:
        self._arm()
        return self._sock.recv_into(*args)

    def recv(self, *args: Any) -> bytes:
        self._arm()
        return self._sock.recv(*args)

    def send(self, *args: Any) -> int:
        self._arm()
        return self._sock.send(*args)

    def sendall(self, *args: Any) -> None:
        # sendall's timeout bounds the whole operation, not each chunk.
        self._arm()
        self._sock.sendall(*args)

    def makefile(self, mode: str = "r", buffering: int | None = None, **_: Any) -> Any:
        if mode != "rb":
            raise ValueError(f"unsupported mode {mode!r}")
        raw = socket.SocketIO(self, "rb")  # type: ignore[arg-type]
        self._sock._io_refs += 1  # type: ignore[attr-defined]  # as socket.makefile does
        return io.BufferedReader(raw, buffering or io.DEFAULT_BUFFER_SIZE)


class _DeadlineConnectionMixin:
    """Connects within the time left and wraps the socket so the deadline holds after."""

    timeout: Any
    sock: Any

    def _new_conn(self) -> socket.socket:
        left = time_left()
        if left is not None:
            if left <= 0:
                raise ConnectTimeoutError(self, "the call's deadline passed before connecting")
            if not isinstance(self.timeout, int | float) or self.timeout > left:
                self.timeout = left
        return super()._new_conn()  # type: ignore[misc]

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        left = time_left()
        if left is not None and left <= 0 and self.sock is not None:
            # Connected (TLS included) only as the deadline passed: not a byte of the request
            # has left, so this is a connection that never opened, safe to try again.
            self.sock.close()
            self.sock = None
            raise ConnectTimeoutError(self, "the call's deadline passed while connecting")
        if self.sock is not None and not isinstance(self.sock, DeadlineSocket):
            self.sock = DeadlineSocket(self.sock)


class _PinnedConnectionMixin:
    """Opens the socket to an address checked in the same step (see the module docstring)."""

    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:
        try:
            addresses = public_addresses(self.host, self.port)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        except RefusedAddress as exc:
            raise RefusedConnection(self, str(exc)) from None
        error: OSError | None = None
        for family, address in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                if self.timeout is not None:
                    sock.settimeout(self.timeout)
                if self.source_address:
                    sock.bind(self.source_address)
                sock.connect((address, self.port))
                return sock
            except TimeoutError as exc:
                sock.close()
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                sock.close()
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")  # type: ignore[arg-type]


class DeadlineHTTPConnection(_DeadlineConnectionMixin, HTTPConnection):
    pass


class DeadlineHTTPSConnection(_DeadlineConnectionMixin, HTTPSConnection):
    pass


class PinnedHTTPConnection(_DeadlineConnectionMixin, _PinnedConnectionMixin, HTTPConnection):
    pass


class PinnedHTTPSConnection(_DeadlineConnectionMixin, _PinnedConnectionMixin, HTTPSConnection):
    pass


class DeadlineHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = DeadlineHTTPConnection


class DeadlineHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = DeadlineHTTPSConnection


class PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose connections keep the call's deadline (see `call_deadline`)."""

    pools: dict[str, type[HTTPConnectionPool]] = {
        "http": DeadlineHTTPConnectionPool,
        "https": DeadlineHTTPSConnectionPool,
    }

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(self.pools)


class PublicOnlyAdapter(DeadlineAdapter):
    """... whose connections also only ever reach public addresses."""

    pools = {"http": PinnedHTTPConnectionPool, "https": PinnedHTTPSConnectionPool}


def panel_session(policy: AddressPolicy) -> requests.Session:
    session = requests.Session()
    if policy.allow_private:
        adapter: HTTPAdapter = DeadlineAdapter()
    else:
        # A proxy from the environment would be connected to instead of the checked address.
        session.trust_env = False
        adapter = PublicOnlyAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def refused_reason(exc: BaseException) -> str | None:
    """The plain reason when a requests error comes from a refused address, else None."""
    seen: set[int] = set()
    current: Any = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, RefusedConnection):
            return current.reason
        nested = current.args[0] if getattr(current, "args", None) else None
        current = getattr(current, "reason", None) or (
            nested if isinstance(nested, BaseException) else None
        )
    return None
