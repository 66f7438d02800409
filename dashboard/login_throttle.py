"""Login rate limiting against password guessing.

Failed log-ins are counted in the Django cache (Redis in production, the file cache on a
laptop), per username and per client address. Once either count reaches its limit, log-ins for
that username (or from that address) are refused without looking at the password until the
window that began with the first failure has passed. A successful log-in clears the username's
count; the address's count runs out on its own, so one correct password cannot reset it.

Settings (dashboard/settings.py, with their defaults):

- `LOGIN_MAX_FAILURES` (5): failures per username within the window;
- `LOGIN_MAX_FAILURES_PER_IP` (20): failures per client address within the window;
- `LOGIN_FAILURE_WINDOW` (900 seconds): how long failures are remembered, and the lockout;
- `BEHIND_TLS_PROXY` / `TRUSTED_PROXY_COUNT` (1): behind a proxy, the client address is the
  `X-Forwarded-For` hop that the nearest trusted proxy added; otherwise `REMOTE_ADDR`.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

logger = logging.getLogger(__name__)

KEY_PREFIX = "login-failures"
UNKNOWN_ADDRESS = "unknown"


def max_failures_per_username() -> int:
    return int(settings.LOGIN_MAX_FAILURES)


def max_failures_per_address() -> int:
    return int(settings.LOGIN_MAX_FAILURES_PER_IP)


def window_seconds() -> int:
    return int(settings.LOGIN_FAILURE_WINDOW)


def client_address(request: HttpRequest) -> str:
    """The client's IP address. `X-Forwarded-For` is believed only behind our own proxy, and
    only the hop our proxy added (a client can send any header it likes; the proxy appends the
    address it saw). `TRUSTED_PROXY_COUNT` proxies in a row: the hop the outermost one added.
    """
    if settings.BEHIND_TLS_PROXY:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        trusted = max(1, int(settings.TRUSTED_PROXY_COUNT))
        if len(hops) >= trusted:
            address = _valid_ip(hops[-trusted])
            if address:
                return address
    return _valid_ip(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_ADDRESS


def _valid_ip(value: str) -> str:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return ""


def _username_key(username: str) -> str:
    # Case-folded: guesses at "Alice" and "alice" share one count. Hashed: any characters.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()
    return f"{KEY_PREFIX}:user:{digest}"


def _address_key(address: str) -> str:
    return f"{KEY_PREFIX}:ip:{address}"


@dataclass(frozen=True)
class Lockout:
    """Log-ins are refused until `until`; `by_username` says which count ran out."""

    until: datetime
    by_username: bool

    @property
    def retry_after(self) -> int:
        """Whole seconds until log-ins are accepted again (at least 1)."""
        return max(1, math.ceil((self.until - timezone.now()).total_seconds()))

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))


def _until(key: str) -> float | None:
    """When the window of this count ends (epoch seconds), or None when nothing is counted."""
    if cache.get(key) is None:
        return None
    until = cache.get(f"{key}:until")
    return float(until) if until is not None else time.time() + window_seconds()


def _locked(key: str, limit: int) -> float | None:
    count = cache.get(key)
    if count is None or int(count) < limit:
        return None
    return _until(key)


def lockout(*, username: str, address: str) -> Lockout | None:
    """The lockout in force for this username or address, if any. Reads only."""
    limits = [(_username_key(username), max_failures_per_username(), True)] if username else []
    limits.append((_address_key(address), max_failures_per_address(), False))
    for key, limit, by_username in limits:
        until = _locked(key, limit)
        if until is not None:
            return Lockout(datetime.fromtimestamp(until, tz=UTC), by_username)
    return None


def _count(key: str) -> int:
    """One more failure on this count. The window starts with the first failure and is not
    stretched by later ones. `incr` is atomic on Redis, so parallel guesses are all counted."""
    window = window_seconds()
    now = time.time()
    cache.add(f"{key}:until", now + window, timeout=window)
    until = cache.get(f"{key}:until") or now + window
    remaining = max(1, math.ceil(float(until) - now))
    cache.add(key, 0, timeout=remaining)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=remaining)
        count = 1
    # Backends that implement incr as get + set (the file cache) reset the expiry: put it back.
    cache.touch(key, timeout=remaining)
    return int(count)


def record_failure(*, username: str, address: str) -> Lockout | None:
    """Count a failed log-in; returns the lockout now in force, if any (a warning is logged
    when this failure started it)."""
    by_username = bool(username) and (
        _count(_username_key(username)) == max_failures_per_username()
    )
    by_address = _count(_address_key(address)) == max_failures_per_address()
    if by_username or by_address:
        logger.warning(
            "login locked after too many failures: username=%r address=%s (%s)",
            username,
            address,
            "username limit" if by_username else "address limit",
        )
    return lockout(username=username, address=address)


def clear(*, username: str) -> None:
    """A successful log-in: the username's failures are forgotten."""
    key = _username_key(username)
    cache.delete_many([key, f"{key}:until"])
