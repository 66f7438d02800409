"""The `trickle` fault: a whole, correct answer, sent a byte (or `chunk`) at a time.

Each piece goes out on its own (the handler's socket is unbuffered and Nagle is off), so a
client's per-read timeout is never reached while the whole answer takes as long as one wants.
Between pieces the handler watches its socket: a client that hangs up, an outage or a stop
(both shut the open connections down, see server.py) ends the trickle at once.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Trickled:
    sent: int  # bytes written
    total: int  # bytes there were to write
    cut: bool  # the connection ended before the last byte


def trickle(
    sock: socket.socket,
    write: Callable[[bytes], object],
    head: bytes,
    data: bytes,
    *,
    interval: float,
    chunk: int = 1,
) -> Trickled:
    """Write `head` at once, then `data` `chunk` bytes at a time, `interval` seconds before each
    piece. Counts only `data` in `sent`/`total`."""
    sent = 0
    try:
        if head:
            write(head)
        while sent < len(data):
            if _wait_for_hangup(sock, interval):
                return Trickled(sent, len(data), cut=True)
            piece = data[sent : sent + chunk]
            write(piece)
            sent += len(piece)
    except OSError:
        return Trickled(sent, len(data), cut=True)
    return Trickled(sent, len(data), cut=False)


def _wait_for_hangup(sock: socket.socket, seconds: float) -> bool:
    """Wait `seconds`; True as soon as the connection is over (the client hung up, or the
    server shut it down)."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            readable, _, _ = select.select([sock], [], [], left)
            if not readable:
                return False
            if not sock.recv(1, socket.MSG_PEEK):
                return True
        except (OSError, ValueError):
            return True
        # The client sent something (a pipelined request) and is still there: wait it out.
        time.sleep(max(deadline - time.monotonic(), 0))
    return False
