"""The fault suite's scenarios: what happens when, in each (benchmarks/faults.py).

A scenario is a list of steps on the run's clock (seconds since orders began to be created):
a fault rule for the simulator's `/_sim/faults`, an outage, or one of the suite's own actions.
Some scenarios also change how the run is set up: slow adds from the start (`add_latency_ms`),
a hostile catalog when the panels' catalogs are synced (`catalog_fault`), a share of the
orders made through the upload flow instead of `order_create` (`uploads`), or every order
routed over one offer, each panel a simulator process of its own so that one fails alone
(`routed`; benchmarks/_fault_routing.py).
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
# routing: the offer every panel carries (Instagram likes), its service on each panel, cheapest
# first (0.12, 0.15, 0.18 per 1000); orders are created over a longer while, so that panels
# fail and recover while they are placed.
ROUTED_OFFER = "instagram|likes|default|"
ROUTED_SERVICES = {"alt2": 505, "base": 5, "alt1": 1003}
ROUTING_CREATE_SECONDS = 20.0


@dataclass(frozen=True)
class Step:
    """At `at` seconds into the run: a fault rule for `/_sim/faults` (None clears it), an
    outage of the panel, and/or one of the suite's own actions ("stop_redis", "start_redis",
    "kill_worker", "watch_status" and "watched_status" around a malformed window,
    "uploads"). In a routed scenario a step names the panel (catalog) it meets: its fault,
    outage, `control` call (a route of the control API and its body, such as its balance or
    its catalog) and actions ("sync_balance", "sync_catalog": as the beat or the sync button
    would) are that panel's only."""

    at: float
    fault: dict[str, Any] | None = None
    outage: float = 0.0
    action: str = ""
    panel: str = ""
    control: tuple[str, dict[str, Any]] | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    label: str
    steps: tuple[Step, ...] = ()
    add_latency_ms: int = 0  # from the start: slow adds, so a kill finds orders in flight
    # A fault rule set for the first panel's catalog sync only (count 1), before any order.
    catalog_fault: dict[str, Any] | None = None
    uploads: bool = False  # every UPLOAD_EVERY-th order comes from two previews of one file
    routed: bool = False  # every order routed over ROUTED_OFFER; a simulator per panel
    create_seconds: float = CREATE_SECONDS  # orders are created over this long


def _fault(at: float, fault: str | None, **rule: Any) -> Step:
    return Step(at, {"fault": fault, **rule} if fault else None)


def _on(panel: str, at: float, fault: str | None = None, **rule: Any) -> Step:
    """A step of a routed scenario on one panel: a fault rule, or a `control` call."""
    control = rule.pop("control", None)
    if control is not None:
        return Step(at, panel=panel, control=control)
    return Step(at, {"fault": fault, **rule}, panel=panel)


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
    # Every order routed over one offer, cheapest panel first (alt2, then base, then alt1),
    # while panels refuse for reasons of their own and recover: the refused orders move on;
    # answers that leave the outcome unknown never do.
    Scenario("routing", "routed, panels fail, recover", (
        # The cheapest runs out of funds: refused for funds, moved on; its balance read.
        _on("alt2", 2.5, control=("balance", {"balance": "0.02"})),
        # The next one stops listing the offer: refused (service), moved on; a sync delists it.
        _on("base", 5.0, control=("catalog", {"remove": [ROUTED_SERVICES["base"]]})),
        # The cheapest is topped up (the beat reads its balance) and the service comes back
        # (the sync button): orders go to them again.
        Step(7.0, panel="alt2", control=("balance", {"balance": "100000"}),
             action="sync_balance"),
        Step(7.5, panel="base", control=("catalog", {"restore": [ROUTED_SERVICES["base"]]}),
             action="sync_catalog"),
        # With the other two able to take them, the cheapest answers some adds so that the
        # outcome is unknown (placed, then cut off; a 502 page): those orders wait for a
        # person and never move on.
        _on("alt2", 8.5, "drop_after_accept", actions=["add"], count=2),
        _on("alt2", 9.5, "http_502", actions=["add"], count=2),
        _on("alt2", 10.5),
        # The cheapest goes down: its orders are not sent, they wait and go out when it is
        # back; new orders go elsewhere while it is failing, and to it once it answers again.
        Step(12.0, panel="alt2", outage=6.0),
    ), routed=True, create_seconds=ROUTING_CREATE_SECONDS),
)  # fmt: skip
