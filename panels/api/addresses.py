"""Where panel requests may go: public https addresses only, unless a deployment allows more.

A panel's API URL is typed by a person, so it is also a way to make this server call anything
it can reach: the database, the cloud metadata service, an admin page on the private network.
Two rules, both enforced when a request is sent, not only when the URL is saved:

- `https` is required unless `allow_http` (the simulator, and a laptop, use plain http).
- Unless `allow_private`, the host name is resolved, every address that is not a public one
  (private, loopback, link-local, carrier-grade NAT, multicast, reserved) is dropped, and the
  connection is opened to one of the remaining addresses *that were just checked*
  (`panels.api.transport`). The name is never resolved a second time, so a DNS answer that
  changes between check and connect (DNS rebinding) cannot get around the rule. TLS still
  verifies the certificate against the name.

No Django imports.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from urllib3.exceptions import NewConnectionError


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
