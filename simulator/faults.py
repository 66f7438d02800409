"""Injected trouble: the ways real panels fail that are not an `{"error": ...}` answer.

One rule is active at a time. It may be limited to some actions and dialects and to the next N
matching requests. Faults in `BEFORE_ACTION` answer instead of the panel, so the action never
runs; `truncated` runs the action first, like a panel whose answer was cut on the way back.
`drop_after_accept` runs `add` (the order is created and charged) and then hangs up; on any
other action it hangs up without running it.

Hostile answers (`HOSTILE_FAULT_NAMES`, see hostile.py) run the action, so the ledger is the
real one, and spoil only what goes on the wire: `trickle` sends it a byte at a time,
`malformed_status`, `out_of_range` and `decimal_comma` change values in it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

LATENCY = "latency"
TRUNCATED = "truncated"
DROP_AFTER_ACCEPT = "drop_after_accept"
TRICKLE = "trickle"
MALFORMED_STATUS = "malformed_status"
OUT_OF_RANGE = "out_of_range"
DECIMAL_COMMA = "decimal_comma"
BILLING_CHARGE = "billing_charge"
BILLING_DEBIT = "billing_debit"

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
# The transport faults: the panel's answer is missing, late or not JSON.
FAULT_NAMES = frozenset({LATENCY, TRUNCATED, DROP_AFTER_ACCEPT, *BEFORE_ACTION})
# The answer is whole and JSON (or comes, slowly), but its values are hostile.
HOSTILE_FAULT_NAMES = frozenset({TRICKLE, MALFORMED_STATUS, OUT_OF_RANGE, DECIMAL_COMMA})
# The panel answers well but bills wrong (see billing.py): the ledger itself is off.
BILLING_FAULT_NAMES = frozenset({BILLING_CHARGE, BILLING_DEBIT})
ALL_FAULT_NAMES = FAULT_NAMES | HOSTILE_FAULT_NAMES | BILLING_FAULT_NAMES
DEFAULT_LATENCY_MS = 1000
DEFAULT_TRICKLE_INTERVAL = 10.0


# The hostile values each fault can put in an answer, by action; `variants` picks among them.
MALFORMED_VARIANTS = (
    "no_status",  # the entry has no "status"
    "string",  # the entry is a bare string
    "null",  # the entry is null
    "remains_huge",  # remains "1e30"
    "charge_huge",  # charge "1000000000000.5" (>= 10**12)
    "remains_negative",
    "charge_negative",
    "start_count_negative",
)
OUT_OF_RANGE_VARIANTS: dict[str, tuple[str, ...]] = {
    "services": ("rate_inf", "rate_huge", "min_huge", "max_huge", "refill_time_huge"),
    "add": ("id_inf", "id_long", "id_nan", "id_zero", "id_negative", "id_fraction"),
    "balance": ("balance_huge", "balance_huge_number"),
}
# The actions a hostile fault changes; its rule neither matches nor counts the others.
FAULT_ACTIONS: dict[str, frozenset[str]] = {
    MALFORMED_STATUS: frozenset({"status"}),
    OUT_OF_RANGE: frozenset(OUT_OF_RANGE_VARIANTS),
    DECIMAL_COMMA: frozenset({"services", "status", "balance"}),
    BILLING_CHARGE: frozenset({"add"}),
    BILLING_DEBIT: frozenset({"add"}),
}
VARIANTS: dict[str, frozenset[str]] = {
    MALFORMED_STATUS: frozenset(MALFORMED_VARIANTS),
    OUT_OF_RANGE: frozenset(v for names in OUT_OF_RANGE_VARIANTS.values() for v in names),
}


@dataclass(frozen=True)
class FaultRule:
    # None: no fault, only `latency_ms` (if any) is applied.
    fault: str | None
    actions: frozenset[str] | None = None
    dialects: frozenset[str] | None = None
    count: int | None = None
    latency_ms: int = 0
    # trickle: `trickle_chunk` bytes every `trickle_interval` seconds; the status line and
    # headers too with `trickle_headers`, else they go out at once and only the body trickles.
    trickle_interval: float = DEFAULT_TRICKLE_INTERVAL
    trickle_chunk: int = 1
    trickle_headers: bool = False
    # malformed_status, out_of_range: which entries (order ids for status and add, service ids
    # for services). At most one of: `targets` (these ids), `every` (every Nth order or
    # service id), `fraction` (a draw per id, the same for the same `seed`). None of them: each
    # action's default (see hostile.py).
    targets: tuple[str, ...] | None = None
    every: int | None = None
    fraction: float | None = None
    seed: int = 0
    # Which hostile values, taken in turn by the targeted entries; None: all of them.
    variants: tuple[str, ...] | None = None
    # billing_charge, billing_debit: the order types (as the panel names them, "Custom
    # Comments") billed wrong; None: each fault's default (see billing.py).
    order_types: frozenset[str] | None = None

    @property
    def delay_seconds(self) -> float:
        if self.fault == LATENCY and not self.latency_ms:
            return DEFAULT_LATENCY_MS / 1000
        return self.latency_ms / 1000

    @property
    def targeted(self) -> bool:
        return self.targets is not None or self.every is not None or self.fraction is not None

    def matches(self, dialect: str, action: str) -> bool:
        if self.fault in FAULT_ACTIONS and action not in FAULT_ACTIONS[self.fault]:
            return False
        if self.actions is not None and action not in self.actions:
            return False
        return self.dialects is None or dialect in self.dialects

    def rank(self, key: str, number: int) -> int | None:
        """Which targeted entry `key` is (0 for the first), None if it is not targeted.

        `number` is the order's sequence number (1, 2... in the panel's ledger; the id on
        most dialects) or the service id. Targeted entries take `variants` in this turn:
        `targets` in list order, `every` N by number (N, 2N... are 0, 1...), `fraction` by
        number. Without targeting, every entry is targeted in turn by number.
        """
        if self.targets is not None:
            return self.targets.index(key) if key in self.targets else None
        if self.every is not None:
            return number // self.every - 1 if number % self.every == 0 else None
        if self.fraction is not None:
            digest = hashlib.sha256(f"{self.seed}:{key}".encode()).digest()
            drawn = int.from_bytes(digest[:8], "big") / 2**64
            return max(number - 1, 0) if drawn < self.fraction else None
        return max(number - 1, 0)

    def pick(self, rank: int, names: tuple[str, ...]) -> str | None:
        """The variant for the entry of this rank, among the `names` this action knows."""
        chosen = names if self.variants is None else tuple(v for v in self.variants if v in names)
        return chosen[rank % len(chosen)] if chosen else None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "fault": self.fault,
            "actions": sorted(self.actions) if self.actions is not None else None,
            "dialects": sorted(self.dialects) if self.dialects is not None else None,
            "count": self.count,
            "latency_ms": self.latency_ms,
        }
        # The options of the hostile faults, only when they matter (older readers see no
        # change for the other faults).
        if self.fault == TRICKLE:
            out["trickle_interval"] = self.trickle_interval
            out["trickle_chunk"] = self.trickle_chunk
            out["trickle_headers"] = self.trickle_headers
        if self.fault in VARIANTS:
            out["targets"] = list(self.targets) if self.targets is not None else None
            out["every"] = self.every
            out["fraction"] = self.fraction
            out["seed"] = self.seed
            out["variants"] = list(self.variants) if self.variants is not None else None
        if self.fault in BILLING_FAULT_NAMES:
            out["order_types"] = sorted(self.order_types) if self.order_types is not None else None
        return out


def make_rule(
    fault: str | None,
    *,
    actions: Iterable[str] | None = None,
    dialects: Iterable[str] | None = None,
    count: int | None = None,
    latency_ms: int = 0,
    trickle_interval: float = DEFAULT_TRICKLE_INTERVAL,
    trickle_chunk: int = 1,
    trickle_headers: bool = False,
    targets: Iterable[str | int] | None = None,
    every: int | None = None,
    fraction: float | None = None,
    seed: int = 0,
    variants: Iterable[str] | None = None,
    order_types: Iterable[str] | None = None,
) -> FaultRule:
    if fault is not None and fault not in ALL_FAULT_NAMES:
        raise ValueError(f"unknown fault {fault!r}; known: {', '.join(sorted(ALL_FAULT_NAMES))}")
    if count is not None and count < 1:
        raise ValueError("count must be at least 1")
    if latency_ms < 0:
        raise ValueError("latency_ms must not be negative")
    if not 0 < trickle_interval <= 3600:
        raise ValueError("trickle_interval must be more than 0 and at most 3600 seconds")
    if trickle_chunk < 1:
        raise ValueError("trickle_chunk must be at least 1")
    if sum(x is not None for x in (targets, every, fraction)) > 1:
        raise ValueError("give at most one of targets, every and fraction")
    if every is not None and every < 1:
        raise ValueError("every must be at least 1")
    if fraction is not None and not 0 <= fraction <= 1:
        raise ValueError("fraction must be between 0 and 1")
    chosen = tuple(variants) if variants is not None else None
    if chosen is not None:
        known = VARIANTS.get(str(fault), frozenset())
        unknown = sorted(set(chosen) - known)
        if not chosen:
            raise ValueError("variants, when given, name at least one variant")
        if unknown:
            raise ValueError(
                f"unknown variants {unknown} for fault {fault!r}; known: {', '.join(sorted(known))}"
            )
    return FaultRule(
        fault=fault,
        actions=frozenset(actions) if actions is not None else None,
        dialects=frozenset(dialects) if dialects is not None else None,
        count=count,
        latency_ms=latency_ms,
        trickle_interval=float(trickle_interval),
        trickle_chunk=trickle_chunk,
        trickle_headers=bool(trickle_headers),
        targets=tuple(str(t).strip() for t in targets) if targets is not None else None,
        every=every,
        fraction=fraction,
        seed=seed,
        variants=chosen,
        order_types=frozenset(order_types) if order_types is not None else None,
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
