"""How a client calls one panel: its request options, and the longest a write can take (which
the sending slot's lease and the reaper are derived from). No Django imports."""

from __future__ import annotations

from dataclasses import dataclass

BACKOFF_JITTER_MAX = 1.5  # a retry waits 0.5 to 1.5 times its backoff
DEFAULT_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) SMMDashboard/1.0"


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Per-panel request options; the defaults suit nearly every panel."""

    method: str = "POST"  # "POST" or "GET"
    key_field: str = "key"  # some panels want "api_token" or "api"
    body: str = "form"  # "form" (x-www-form-urlencoded) or "json"
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0  # the whole call's deadline: connect, send and the complete answer
    connect_timeout: float = 10.0
    retries: int = 2  # extra attempts for read-only actions
    backoff: float = 1.0  # first retry delay in seconds; doubles each time
    max_delay: float = 30.0
    # Where requests may go (panels.api.addresses): public https addresses unless allowed.
    allow_http: bool = False
    allow_private: bool = False
    # The largest answer read, in bytes (a catalog of 10,000 services is about 5 MB).
    max_response_bytes: int = 32 * 1024 * 1024


def longest_write_seconds(options: ClientOptions) -> float:
    """The longest one write (`add`) can take: every attempt ends by the deadline, and between
    attempts whose connection never opened the client pauses at most its largest backoff."""
    pauses = sum(
        min(options.backoff * 2**attempt * BACKOFF_JITTER_MAX, options.max_delay)
        for attempt in range(options.retries)
    )
    return (options.retries + 1) * options.timeout + pauses
