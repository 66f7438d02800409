"""The request log: every API request the simulator saw, with what it did and how it answered.

The ledger (`orders`) says what a panel holds; the log says how each `add` went, so a test can
tell an order the panel placed and answered cleanly from one whose answer was cut, dropped,
faulted or late, and count every `add` a client sent for the same link. Kept in memory only,
bounded, and cleared by `reset`.
"""

from __future__ import annotations

import itertools
import threading
from collections import Counter, deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

MAX_ENTRIES = 200_000

# How a request ended, as the simulator saw it.
ANSWERED = "answered"  # the whole answer was written
FAULT_PAGE = "fault_page"  # a fault answered instead of the panel; the action never ran
TRUNCATED = "truncated"  # the action ran, half of its answer was written
DROPPED = "dropped"  # hung up without an answer (after running `add`, see faults.py)
CUT = "cut"  # the connection broke while answering (client gone, or an outage)
TRICKLED = "trickled"  # the whole answer was written, slowly (the `trickle` fault)
HOSTILE = "hostile"  # the action ran, the whole answer was written with spoiled values


@dataclass(frozen=True)
class LoggedRequest:
    seq: int
    at: float  # wall-clock time the request arrived
    seconds: float  # from arrival to the end of the answer (or its failure)
    dialect: str
    catalog: str | None
    action: str
    outcome: str
    fault: str | None = None
    latency_ms: int = 0
    service: str | None = None
    link: str | None = None
    order: str | None = None  # the order id an `add` created
    error: str | None = None  # an in-band {"error": ...} answer
    # What a hostile fault did: "trickled 42 of 42 bytes, 0.2 s apart", "order 3 answered as
    # NaN", "malformed: 2 null, 4 no_status"... (`order` stays the id the panel really gave).
    detail: str | None = None

    @property
    def clean(self) -> bool:
        """The client got the panel's whole answer (whether it then waited that long is the
        client's business: see `seconds`)."""
        return self.outcome in (ANSWERED, TRICKLED)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class RequestLog:
    def __init__(self, limit: int = MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[LoggedRequest] = deque(maxlen=limit)
        self._seq = itertools.count(1)
        self._in_progress = 0
        # Requests being answered, and the most there ever were at once, per (API key,
        # action): a client's own limit on concurrent sends to one panel shows here.
        self._in_flight: Counter[tuple[str, str]] = Counter()
        self._most_in_flight: Counter[tuple[str, str]] = Counter()

    def begin(self, *, key: str = "", action: str = "") -> None:
        """A request arrived; `record` ends it. Until then it counts as in progress."""
        with self._lock:
            self._in_progress += 1
            self._in_flight[key, action] += 1
            slot = (key, action)
            self._most_in_flight[slot] = max(self._most_in_flight[slot], self._in_flight[slot])

    def answering(self, *, key: str = "", action: str = "") -> None:
        """The answer to a request begun with `begin` is about to go out: its client may
        send its next request as soon as it has it, so from here this one no longer counts
        as in flight (it still counts as in progress until `record`). Once per request."""
        with self._lock:
            slot = (key, action)
            if self._in_flight[slot] > 0:
                self._in_flight[slot] -= 1

    def most_in_flight(self, action: str) -> dict[str, int]:
        """The most requests of `action` answered at the same time, per API key, since the
        start (or the last reset)."""
        with self._lock:
            most = self._most_in_flight.items()
            return {key: n for (key, act), n in most if act == action and n}

    @property
    def in_progress(self) -> int:
        """Requests that arrived and are not answered (or failed) yet: a slow one is not in
        the log until it ends."""
        with self._lock:
            return self._in_progress

    def record(
        self,
        *,
        at: float,
        seconds: float,
        dialect: str,
        catalog: str | None,
        params: Mapping[str, str],
        outcome: str,
        fault: str | None,
        latency_ms: int,
        payload: Any = None,
        detail: str | None = None,
        answered: bool = False,
    ) -> LoggedRequest:
        """Log a request that ended; `answered`: `answering` was called for it already."""
        action = params.get("action", "").strip()
        order = error = None
        if isinstance(payload, Mapping):
            if action == "add" and payload.get("order") is not None:
                order = str(payload["order"])
            if payload.get("error") is not None:
                error = str(payload["error"])
        with self._lock:
            entry = LoggedRequest(
                seq=next(self._seq),
                at=at,
                seconds=round(seconds, 4),
                dialect=dialect,
                catalog=catalog,
                action=action,
                outcome=outcome,
                fault=fault,
                latency_ms=latency_ms,
                service=params.get("service"),
                link=params.get("link") if action == "add" else None,
                order=order,
                error=error,
                detail=detail,
            )
            self._entries.append(entry)
            self._in_progress = max(self._in_progress - 1, 0)
            slot = (params.get("key", ""), action)
            if not answered and self._in_flight[slot] > 0:
                self._in_flight[slot] -= 1
        return entry

    def entries(self, *, action: str | None = None, since: int = 0) -> list[LoggedRequest]:
        """Entries after sequence number `since`, oldest first, optionally of one action."""
        with self._lock:
            found = list(self._entries)
        return [e for e in found if e.seq > since and (action is None or e.action == action)]

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            # Requests still being answered stay counted; the most starts again from them.
            self._most_in_flight = +self._in_flight
