"""Injected trouble: the ways real panels fail that are not an `{"error": ...}` answer.

One rule is active at a time. It may be limited to some actions and dialects and to the next N
matching requests. Faults in `BEFORE_ACTION` answer instead of the panel, so the action never
runs; `truncated` runs the action first, like a panel whose answer was cut on the way back.
`drop_after_accept` runs `add` (the order is created and charged) and then hangs up; on any
other action it hangs up without running it.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

LATENCY = "latency"
TRUNCATED = "truncated"
DROP_AFTER_ACCEPT = "drop_after_accept"

_NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
_CLOUDFLARE_PAGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="robots" content="noindex,nofollow"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">panel.example</h1>
<h2 class="h2" id="challenge-running">Checking if the site connection is secure</h2>
<noscript><div class="h2">Enable JavaScript and cookies to continue</div></noscript>
</div></div></body></html>
"""


@dataclass(frozen=True)
class FaultAnswer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=UTF-8"),)


def _nginx(code: int, reason: str) -> FaultAnswer:
    return FaultAnswer(code, _NGINX_PAGE.format(code=code, reason=reason).encode())


BEFORE_ACTION: dict[str, FaultAnswer] = {
    "http_500": _nginx(500, "Internal Server Error"),
    "http_502": _nginx(502, "Bad Gateway"),
    "http_503": _nginx(503, "Service Temporarily Unavailable"),
    "http_429": FaultAnswer(
        429,
        _NGINX_PAGE.format(code=429, reason="Too Many Requests").encode(),
        (("Content-Type", "text/html; charset=UTF-8"), ("Retry-After", "1")),
    ),
    "html": FaultAnswer(200, _CLOUDFLARE_PAGE.encode()),
    "empty": FaultAnswer(200, b""),
}
FAULT_NAMES = frozenset({LATENCY, TRUNCATED, DROP_AFTER_ACCEPT, *BEFORE_ACTION})
DEFAULT_LATENCY_MS = 1000


@dataclass(frozen=True)
class FaultRule:
    # None: no fault, only `latency_ms` (if any) is applied.
    fault: str | None
    actions: frozenset[str] | None = None
    dialects: frozenset[str] | None = None
    count: int | None = None
    latency_ms: int = 0

    @property
    def delay_seconds(self) -> float:
        if self.fault == LATENCY and not self.latency_ms:
            return DEFAULT_LATENCY_MS / 1000
        return self.latency_ms / 1000

    def matches(self, dialect: str, action: str) -> bool:
        if self.actions is not None and action not in self.actions:
            return False
        return self.dialects is None or dialect in self.dialects

    def to_json(self) -> dict[str, Any]:
        return {
            "fault": self.fault,
            "actions": sorted(self.actions) if self.actions is not None else None,
            "dialects": sorted(self.dialects) if self.dialects is not None else None,
            "count": self.count,
            "latency_ms": self.latency_ms,
        }


def make_rule(
    fault: str | None,
    *,
    actions: Iterable[str] | None = None,
    dialects: Iterable[str] | None = None,
    count: int | None = None,
    latency_ms: int = 0,
) -> FaultRule:
    if fault is not None and fault not in FAULT_NAMES:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(sorted(FAULT_NAMES))}")
    if count is not None and count < 1:
        raise ValueError("count must be at least 1")
    if latency_ms < 0:
        raise ValueError("latency_ms must not be negative")
    return FaultRule(
        fault=fault,
        actions=frozenset(actions) if actions is not None else None,
        dialects=frozenset(dialects) if dialects is not None else None,
        count=count,
        latency_ms=latency_ms,
    )


class Faults:
    def __init__(self, rule: FaultRule | None = None) -> None:
        self._lock = threading.Lock()
        self._rule = rule

    def set(self, rule: FaultRule | None) -> None:
        with self._lock:
            self._rule = rule if rule is None or rule.fault or rule.latency_ms else None

    def current(self) -> FaultRule | None:
        with self._lock:
            return self._rule

    def take(self, dialect: str, action: str) -> FaultRule | None:
        """The rule for this request, if any, using up one of its `count`."""
        with self._lock:
            rule = self._rule
            if rule is None or not rule.matches(dialect, action):
                return None
            if rule.count is not None:
                left = rule.count - 1
                self._rule = dataclasses.replace(rule, count=left) if left > 0 else None
            return rule
