"""Fault suite: orders placed and synced through real faults, then every ledger checked.

    .venv/bin/python benchmarks/faults.py [--orders 300] [--scenarios 5xx,down] [--json out.json]

Per scenario: a fresh simulator process serving three panels (one of them short of funds, so
some orders are refused in words) whose catalogs the worker syncs (as the sync button does),
a few hundred Default orders created with `order_create`
in small batches that each wake their panel's dispatcher once (the upload flow), placed by a
real `celery -A dashboard worker` subprocess over a private Redis while status sync follows
them; mid-run the fault is switched on through the simulator's control API (and off again).
Redis is a `redis-server` of the suite's own on a free port (never the machine's), restarted
in its scenario; the worker is SIGKILLed in its scenario while orders are being sent, and a
new one is started.

The hostile answers (simulator/hostile.py, trickle.py) have scenarios of their own
(benchmarks/_fault_scenarios.py):
- trickle: a few `add` answers come a byte at a time, each byte well within the panels' 4 s
  timeout, the whole answer ~9 s: the client must give up at its deadline, so these orders are
  unknown (the panel placed them; its answer did not complete in time), never sent again;
- malformed: a share of the entries of status answers broken (every variant in turn) for a
  few seconds: status syncs go on, orders whose entries are whole move on meanwhile (counted),
  and every order ends final and matching;
- catalog: the first panel's catalog lists out-of-range services at the start: its sync run
  must end (done, not left running) with the good services stored and the bad ones set aside
  and counted on the run; the orders go on;
- previews: every 4th order comes from a CSV upload instead: one file previewed twice (two
  tabs) and both submitted one after the other, another previewed twice and both submitted at
  once from two threads. Each second submit is told the file was queued moments ago and says
  "yes, again": a link must never get a second order while its first is active; a row whose
  first order ended in between (rejected for funds, completed) is rightly bought again.

Routed orders have one (benchmarks/_fault_routing.py):
- routing: each panel is a simulator process of its own, so one can fail alone, and every
  order is created with `order_create_routed` for one offer all three carry (the same match
  key once their catalogs are synced), over 20 s instead of 4, so the cheapest panel takes
  them first. Meanwhile, through each simulator's control API: the cheapest runs out of funds
  (refused for funds, moved on; the refusal's balance read keeps new orders off it), the next
  stops listing the offer (refused, moved on; the sync the refusal starts delists it); both
  recover (a top-up read as the beat would, the service listed again and synced); then, with
  the other two able to take them, the cheapest answers two adds by placing them and hanging
  up and two with a 502 page (unknown outcomes, which must never move on), and goes down for
  6 s (its orders wait and go out when it is back; new ones go elsewhere while it is
  failing). A routed order and the attempts it moved on to (`retry_of`) are one purchase, a
  chain: at most one placed, at most one order for its link in all the panels' ledgers, each
  refusal that moved on with exactly one successor on a panel not tried yet and the history
  saying so, no successor for an unknown order, and each chain ended placed, refused and not
  moved on for a stated reason, or unknown and listed for a person; before the first fault
  every order goes to the cheapest panel. The table's "moved on" counts those attempts
  ("orders" counts them too).

The beat's periodic work (dispatch sweep every 2 s, status sync every second, the reaper every
5 s) is published from this script on the same broker, so it is bounded with the run. The
reaper's threshold is 10 minutes, far past a run; right after the kill, when no worker is
alive, the suite calls the reaper's service with no threshold instead.

Afterwards, from our database, the simulator's ledger and its request log:
- duplicates: our orders created while another of ours on their link was still active, and
  links with more `add`s the panel handled (a 429 is turned away before it is handled) or more
  orders in the panel's ledger than orders of ours on them;
- lost: our orders neither placed with a remote id, rejected with a reason, nor unknown and
  listed under "Needs attention"; panel orders none of ours accounts for;
- unknown: orders whose outcome is unknown, listed for a person. They must be exactly the
  orders whose `add` the panel cannot vouch for (no clean answer within the client's timeout),
  plus, after the kill, the orders the dead worker was sending. Each says truly why: the
  reaper's "the worker stopped" only for those, "timed out"/"in time" for an answer that came
  late or never completed;
- stalled: orders still queued, never sent, when nothing had moved for STALL_SECONDS (or the
  scenario's time ran out) although they were due;
- ledger mismatches: a placed order whose id, service, link, quantity, final status or charge
  differ from the panel's, a panel order that belongs to a rejected order, and so on; also a
  catalog sync run still queued or running at the end, and a task that raised out of the
  worker ("raised unexpected" in its log): no sync or send may.

Runs in a throwaway PostgreSQL test database on DATABASE_URL's server (default: the local
`postgres` database's server), with throwaway secrets when none are configured. Exits non-zero
when anything is duplicated, lost, stalled or mismatched.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._fault_checks import Result  # noqa: E402
from benchmarks._fault_processes import database_url  # noqa: E402
from benchmarks._fault_scenarios import SCENARIOS, Scenario  # noqa: E402
from benchmarks._fault_suite import Suite  # noqa: E402
from benchmarks._stack import private_stack  # noqa: E402

__all__ = ["SCENARIOS", "Result", "Scenario", "Suite", "database_url", "main", "run"]

# ---- Running it --------------------------------------------------------------------------


def run(names: list[str], orders: int, keep_logs: Path | None = None) -> list[Result]:
    """Run the named scenarios (all by default) and return their results."""
    scenarios = [s for s in SCENARIOS if not names or s.name in names]
    unknown = set(names) - {s.name for s in SCENARIOS}
    if unknown:
        raise SystemExit(
            f"unknown scenario(s) {sorted(unknown)}; known: {', '.join(s.name for s in SCENARIOS)}"
        )
    with private_stack("faults") as (workdir, redis):
        suite = Suite(workdir=workdir, redis=redis, orders=orders, keep_logs=keep_logs)
        return run_scenarios(scenarios, suite)


def run_scenarios(scenarios: list[Scenario], suite: Suite) -> list[Result]:
    results: list[Result] = []
    try:
        for scenario in scenarios:
            results.append(suite.run(scenario))
            print(format_row(row(results[-1])), flush=True)
            for line in results[-1].notes:
                print(f"    {line}", flush=True)
        return results
    except BaseException:
        if suite.worker_log.exists():
            print(suite.worker_log.read_text(errors="replace")[-4000:], file=sys.stderr)
        raise
    finally:
        suite.close()  # before the database goes: the worker holds connections to it


HEADERS = (
    "fault",
    "orders",
    "duplicates",
    "lost",
    "unknown",
    "stalled",
    "placed",
    "rejected",
    "sent later",
    "moved on",
    "ledgers",
    "seconds",
)


def row(result: Result) -> list[object]:
    return [
        result.label,
        result.orders,
        result.duplicates,
        result.lost,
        result.unknown,
        result.stalled,
        result.placed,
        result.rejected,
        result.sent_later,
        result.moved_on,
        "match" if result.ledger_ok else "MISMATCH",
        result.seconds,
    ]


def format_row(cells: list[object] | tuple[object, ...]) -> str:
    widths = (30, 6, 10, 4, 7, 7, 6, 8, 10, 8, 8, 7)
    return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="orders per scenario")
    parser.add_argument("--scenarios", default="", help="comma-separated names (default: all)")
    parser.add_argument("--json", type=Path, help="also write every result, in detail, here")
    parser.add_argument(
        "--keep-logs",
        type=Path,
        help="copy the worker's, Redis' and the simulators' logs to this folder",
    )
    args = parser.parse_args()
    # A SIGTERM (a test's timeout, Ctrl-C's cousin) unwinds like an error: every finally runs,
    # so the worker, Redis, the simulators and the database go away.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    names = [name.strip() for name in args.scenarios.split(",") if name.strip()]

    print(format_row(HEADERS), flush=True)
    results = run(names, args.orders, args.keep_logs)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2))

    from benchmarks.report import figure, table

    for result in results:
        problems = result.mismatches + result.lost_orders
        for line in problems[:20]:
            print(f"  {result.name}: {line}")
        if len(problems) > 20:
            print(f"  {result.name}: ... {len(problems) - 20} more (see --json)")
        if result.stalled_orders:
            print(f"  {result.name}: stalled (queued, never sent): {result.stalled_orders}")
    duplicates = sum(r.duplicates for r in results)
    lost = sum(r.lost for r in results)
    stalled = sum(r.stalled for r in results)
    matched = all(r.ledger_ok for r in results)
    table("Fault suite", HEADERS, [row(r) for r in results])
    figure("fault suite: duplicate adds", duplicates, target="0", met=duplicates == 0)
    figure("fault suite: lost orders", lost, target="0", met=lost == 0)
    figure(
        "fault suite: orders stalled (queued, never sent)", stalled, target="0", met=stalled == 0
    )
    figure(
        "fault suite: ledgers matching",
        sum(r.ledger_ok for r in results),
        target=f"{len(results)} of {len(results)}",
        met=matched,
    )
    return 0 if duplicates == 0 and lost == 0 and stalled == 0 and matched else 1


if __name__ == "__main__":
    sys.exit(main())
