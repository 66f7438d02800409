"""The connections panel calls go through: they keep the call's deadline
(`panels.api.deadline`) and, unless private addresses are allowed, connect only to a public
address checked in the same step (`panels.api.addresses`). No Django imports.
"""

from __future__ import annotations

import socket
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from panels.api.addresses import AddressPolicy, RefusedAddress, RefusedConnection, public_addresses
from panels.api.deadline import DeadlineSocket, time_left


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
