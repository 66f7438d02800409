"""The total deadline of one panel call, enforced at the socket.

Connecting takes at most the time left, and every send and receive waits at most
min(per-read timeout, time left). A panel that trickles its answer one byte at a time cannot
hold a call past it. No Django imports.
"""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

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
