"""Alerts go only where panel calls may go: no private or local address unless allowed.

Messages are sent by Apprise, which opens its own connections (HTTP through requests, email
through smtplib). Both resolve a host with `socket.getaddrinfo` and connect to what it returned,
so the rule is kept there: inside `outbound_guard`, every address a lookup returns that is not
public is dropped, and a host with nothing left is refused with the reason. The addresses that
were checked are the ones connected to, so a DNS answer that changes between a check and the
connection (rebinding) cannot get around the rule. Code outside the guard resolves as usual.
"""

from __future__ import annotations

import contextvars
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from panels.api.addresses import is_public

_original_getaddrinfo = socket.getaddrinfo
# A context variable, not a thread local: Apprise sends from its own worker threads, and runs
# them in a copy of the caller's context (that is how its log capture follows the send too).
_refusals: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "alert_refusals", default=None
)


class RefusedHost(socket.gaierror):
    pass


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    results = _original_getaddrinfo(host, port, *args, **kwargs)
    refusals = _refusals.get()
    if refusals is None:
        return results
    kept = [entry for entry in results if is_public(str(entry[4][0]))]
    if not kept:
        shown = ", ".join(sorted({str(entry[4][0]) for entry in results})) or "nothing"
        reason = f"{host} resolves to {shown}: a private or local network address"
        refusals.append(reason)
        raise RefusedHost(socket.EAI_NONAME, reason)
    return kept


socket.getaddrinfo = _guarded_getaddrinfo


@contextmanager
def outbound_guard(*, allow_private: bool) -> Iterator[list[str]]:
    """Within the block (and threads started in its context), connections go only to public
    addresses (unless allowed).
    Yields the list the refusals are added to, each a plain reason."""
    refusals: list[str] = []
    if allow_private:
        yield refusals
        return
    token = _refusals.set(refusals)
    try:
        yield refusals
    finally:
        _refusals.reset(token)
