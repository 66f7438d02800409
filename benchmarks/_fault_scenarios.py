"""The fault suite's scenarios: what happens when, in each (benchmarks/faults.py).

A scenario is a list of steps on the run's clock (seconds since orders began to be created):
a fault rule for the simulator's `/_sim/faults`, an outage, or one of the suite's own actions.
Some scenarios also change how the run is set up: slow adds from the start (`add_latency_ms`),
a hostile catalog when the panels' catalogs are synced (`catalog_fault`), or a share of the
orders made through the upload flow instead of `order_create` (`uploads`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

CATALOGS = ("base", "alt1", "alt2")
PANEL_TIMEOUT = 4  # seconds: each panel's own "timeout" setting, so latency spikes can pass it
SHORT_OF_FUNDS = Decimal("0.7")  # the third panel's balance covers about 70% of its orders
CREATE_SECONDS = 4.0  # orders are created over this long
SETTLE_SECONDS = 75.0  # after the last fault step, for everything to be final (retries: 30 s)
# Nothing moved this long, with orders due to be sent: they are stalled. At least 10 s, and
# longer than a sending slot's lease (orders.tasks.slot_lease_seconds) plus two sweeps: a worker
# killed mid-send holds its slots that long, which is the product's promise, not a stall.
STALL_SECONDS = 10.0
SWEEP_SECONDS = 2.0
CATALOG_SYNC_SECONDS = 15.0  # a catalog sync run still queued or running after this: stuck

# trickle: an `add` answer of about 15 bytes, a byte every TRICKLE_INTERVAL seconds, takes
# ~9 s: each byte comes well within the 4 s timeout, the whole answer far past it.
TRICKLE_INTERVAL = 0.6
TRICKLED_ADDS = 3
# malformed: a share of the status entries broken, every variant in turn, for a few seconds.
MALFORMED_FRACTION = 0.4
MALFORMED_SEED = 7
MALFORMED_ON, MALFORMED_OFF = 2.0, 7.0
# previews: every UPLOAD_EVERY-th order (starting at the first) comes from an upload.
UPLOAD_EVERY = 4


@dataclass(frozen=True)
class Step:
    """At `at` seconds into the run: a fault rule for `/_sim/faults` (None clears it), an
    outage of the panel, and/or one of the suite's own actions ("stop_redis", "start_redis",
    "kill_worker", "watch_status" and "watched_status" around a malformed window,
    "uploads")."""

    at: float
    fault: dict[str, Any] | None = None
    outage: float = 0.0
    action: str = ""


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    steps: tuple[Step, ...] = ()
    add_latency_ms: int = 0  # from the start: slow adds, so a kill finds orders in flight
    # A fault rule set for the first panel's catalog sync only (count 1), before any order.
    catalog_fault: dict[str, Any] | None = None
    uploads: bool = False  # every UPLOAD_EVERY-th order comes from two previews of one file


def _fault(at: float, fault: str | None, **rule: Any) -> Step:
    return Step(at, {"fault": fault, **rule} if fault else None)


MALFORMED_RULE: dict[str, Any] = {
    "fault": "malformed_status",
    "fraction": MALFORMED_FRACTION,
    "seed": MALFORMED_SEED,
}

SCENARIOS = (
    Scenario("none", "no fault"),
    Scenario("latency", "latency spikes", (
        _fault(1.0, "latency", latency_ms=1000, count=30),
        _fault(2.0, "latency", latency_ms=(PANEL_TIMEOUT + 2) * 1000, actions=["add"], count=3),
        _fault(4.5, None),
    )),
    Scenario("5xx", "5xx pages", (
        _fault(1.0, "http_502", count=6), _fault(1.8, "http_503", actions=["add"], count=6),
        _fault(2.6, "http_500", count=6), _fault(3.4, None),
    )),
    Scenario("html", "HTML pages", (
        _fault(1.0, "html", count=6), _fault(2.0, "html", actions=["add"], count=6),
        _fault(3.0, None),
    )),
    Scenario("truncated", "truncated JSON", (
        _fault(1.0, "truncated", count=6), _fault(2.0, "truncated", actions=["add"], count=6),
        _fault(3.0, None),
    )),
    Scenario("429", "429 rate limit", (_fault(1.0, "http_429"), _fault(2.5, None))),
    Scenario("drop", "dropped after accepting", (
        _fault(1.0, "drop_after_accept", actions=["add"], count=10), _fault(3.0, None),
    )),
    Scenario("down", "panel down 5 s, back", (Step(1.0, outage=5.0),)),
    Scenario("redis", "Redis restarted", (
        Step(1.5, action="stop_redis"), Step(4.5, action="start_redis"),
    )),
    Scenario("kill", "worker SIGKILLed", (Step(1.5, action="kill_worker"),), add_latency_ms=500),
    # The answer to an add comes a byte at a time, each byte within the timeout, the whole far
    # past it: the client must give up at its deadline; the order is unknown, never re-sent.
    Scenario("trickle", "add answers trickled", (
        _fault(1.0, "trickle", actions=["add"], count=TRICKLED_ADDS,
               trickle_interval=TRICKLE_INTERVAL),
        _fault(3.5, None),
    )),
    # Some entries of status answers broken (every variant in turn) while orders progress.
    Scenario("malformed", "malformed status entries", (
        Step(MALFORMED_ON, MALFORMED_RULE, action="watch_status"),
        Step(MALFORMED_OFF, action="watched_status"),
    )),
    # The first panel's catalog lists out-of-range services when the suite syncs it.
    Scenario("catalog", "out-of-range catalog entries", catalog_fault={
        "fault": "out_of_range", "actions": ["services"],
        "variants": ["rate_inf", "rate_huge", "min_huge", "max_huge", "refill_time_huge"],
    }),
    # A share of the orders from one CSV file previewed twice (two tabs), both submitted; a
    # second file's two previews submitted at once from two threads.
    Scenario("previews", "one file previewed twice", (Step(1.0, action="uploads"),),
             uploads=True),
)  # fmt: skip
