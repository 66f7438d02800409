"""Fault suite: orders placed and synced through real faults, then every ledger checked.

    .venv/bin/python benchmarks/faults.py [--orders 300] [--scenarios 5xx,down] [--json out.json]

Per scenario: a fresh simulator process serving three panels (one of them short of funds, so
some orders are refused in words), a few hundred Default orders created with `order_create`
in small batches that each wake their panel's dispatcher once (the upload flow), placed by a
real `celery -A dashboard worker` subprocess over a private Redis while status sync follows
them; mid-run the fault is switched on through the simulator's control API (and off again).
Redis is a `redis-server` of the suite's own on a free port (never the machine's), restarted
in its scenario; the worker is SIGKILLed in its scenario while orders are being sent, and a
new one is started.

The beat's periodic work (dispatch sweep every 2 s, status sync every second, the reaper every
5 s) is published from this script on the same broker, so it is bounded with the run. The
reaper's threshold is 10 minutes, far past a run; right after the kill, when no worker is
alive, the suite calls the reaper's service with no threshold instead.

Afterwards, from our database, the simulator's ledger and its request log:
- duplicates: our orders with more than one `add` the panel handled (a 429 is turned away
  before it is handled), or with more than one order in the panel's ledger;
- lost: our orders neither placed with a remote id, rejected with a reason, nor unknown and
  listed under "Needs attention"; panel orders none of ours accounts for;
- unknown: orders whose outcome is unknown, listed for a person. They must be exactly the
  orders whose `add` the panel cannot vouch for (no clean answer within the client's timeout),
  plus, after the kill, the orders the dead worker was sending;
- stalled: orders still queued, never sent, when nothing had moved for STALL_SECONDS (or the
  scenario's time ran out) although they were due;
- ledger mismatches: a placed order whose id, service, link, quantity, final status or charge
  differ from the panel's, a panel order that belongs to a rejected order, and so on.

Runs in a throwaway PostgreSQL test database on DATABASE_URL's server (default: the local
`postgres` database's server), with throwaway secrets when none are configured. Exits non-zero
when anything is duplicated, lost, stalled or mismatched.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._fault_checks import Result, check_panel, held_dispatch_slots  # noqa: E402
from benchmarks._fault_processes import (  # noqa: E402
    KEY,
    Beat,
    PrivateRedis,
    Simulator,
    Worker,
    wait_for,
)

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
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"


# ---- Scenarios ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """At `at` seconds into the run: a fault rule for `/_sim/faults` (None clears it), an
    outage of the panel, or one of the suite's own actions ("stop_redis", "start_redis",
    "kill_worker")."""

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


def _fault(at: float, fault: str | None, **rule: Any) -> Step:
    return Step(at, {"fault": fault, **rule} if fault else None)


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
)  # fmt: skip


# ---- One scenario ------------------------------------------------------------------------


class Suite:
    def __init__(self, *, workdir: Path, redis: PrivateRedis, orders: int,
                 keep_logs: Path | None = None) -> None:  # fmt: skip
        self.workdir = workdir
        self.keep_logs = keep_logs
        self.redis = redis
        self.orders = orders
        self.worker: Worker | None = None
        self.workers_started = 0
        self.worker_log = workdir / "worker.log"

    def worker_env(self) -> dict[str, str]:
        from django.db import connection

        return {**os.environ, "DATABASE_URL": database_url(connection.settings_dict),
                "REDIS_URL": self.redis.url, "VAR_DIR": str(self.workdir / "var")}  # fmt: skip

    def start_worker(self) -> None:
        self.workers_started += 1
        since = self.worker_log.stat().st_size if self.worker_log.exists() else 0
        self.worker = Worker(self.worker_env(), self.worker_log, f"faults{self.workers_started}")
        self.worker.wait_ready(since)

    def ensure_worker(self) -> None:
        if self.worker is None or not self.worker.alive():
            self.start_worker()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.keep_logs is not None:
            self.keep_logs.mkdir(parents=True, exist_ok=True)
            for path in self.workdir.glob("*.log"):
                shutil.copy(path, self.keep_logs / path.name)

    def run(self, scenario: Scenario) -> Result:
        self.ensure_worker()
        began = time.monotonic()
        sim = Simulator(self.workdir, scenario.name)
        beat = Beat(sim)
        result = Result(scenario.name, scenario.label)
        panels: list[Any] = []
        try:
            panels = self._panels(sim, scenario)
            plan = self._plan(scenario, panels, sim)
            if scenario.add_latency_ms:
                sim.set_fault("latency", actions=["add"], latency_ms=scenario.add_latency_ms)
            beat.start()
            started = time.monotonic()  # the steps' clock: orders are created from now
            in_flight = self._drive(scenario, sim, plan, started, result)
            self._settle(panels, started, scenario, result)
            links = [values["link"] for _, values in plan]
            cuts = any(step.outage for step in scenario.steps)
            self._check(sim, panels, links, in_flight, result, cuts_requests=cuts)
        finally:
            beat.stop()
            sim.stop()
            from panels.models import Panel

            Panel.objects.filter(pk__in=[p.pk for p in panels]).update(is_active=False)
        result.seconds = round(time.monotonic() - began, 1)
        if beat.publish_errors:
            result.notes.append(f"{beat.publish_errors} periodic task(s) not published")
        return result

    def _panels(self, sim: Any, scenario: Scenario) -> list[Any]:
        from panels.models import Panel
        from panels.services import catalog_sync, panel_create

        panels = []
        for catalog in CATALOGS:
            panel = panel_create(name=f"{scenario.name} {catalog}", api_key=KEY,
                                 api_url=sim.api_url(catalog=catalog))  # fmt: skip
            Panel.objects.filter(pk=panel.pk).update(timeout_seconds=PANEL_TIMEOUT)
            panel.refresh_from_db()
            panel.catalog = catalog
            catalog_sync(panel=panel)
            panels.append(panel)
        return panels

    def _plan(self, scenario: Scenario, panels: list[Any], sim: Any) -> list[tuple[Any, dict]]:
        """(service, values) per order, round robin over panels and a few services each."""
        from panels.models import Service

        services = {
            panel.pk: list(
                Service.objects.filter(panel=panel, is_active=True, type="default",
                                       dripfeed=False, min_quantity__lte=100,
                                       max_quantity__gte=1000).order_by("remote_id")[:4]
            )
            for panel in panels
        }  # fmt: skip
        plan = []
        for n in range(self.orders):
            panel = panels[n % len(panels)]
            service = services[panel.pk][(n // len(panels)) % len(services[panel.pk])]
            values = {"link": f"https://example.com/{scenario.name}/{n}",
                      "quantity": 100 + 10 * (n % 7)}  # fmt: skip
            plan.append((service, values))
        short = panels[-1]
        cost = sum(
            (s.rate * v["quantity"] / 1000 for s, v in plan if s.panel_id == short.pk),
            Decimal(0),
        )
        sim.set_balance((cost * SHORT_OF_FUNDS).quantize(Decimal("0.01")), catalog=short.catalog)
        return plan

    def _drive(self, scenario: Scenario, sim: Any, plan: list, started: float, result: Result
               ) -> set[int]:  # fmt: skip
        """Create the orders over CREATE_SECONDS while the steps happen on time."""
        steps = sorted(scenario.steps, key=lambda s: s.at)
        in_flight: set[int] = set()
        created = 0
        while created < len(plan) or steps:
            elapsed = time.monotonic() - started
            while steps and steps[0].at <= elapsed:
                in_flight |= self._step(steps.pop(0), sim, result)
            due = min(len(plan), int(len(plan) * min(elapsed / CREATE_SECONDS, 1.0)) + 1)
            if due > created:
                self._create(plan[created:due], result)
            created = max(created, due)
            time.sleep(0.2)
        return in_flight

    def _create(self, batch: list[tuple[Any, dict]], result: Result) -> None:
        """One batch in one transaction, each panel's dispatcher woken once on commit: the
        upload flow (the form's is the same with a batch of one)."""
        from django.db import transaction

        from orders.models import Order
        from orders.services.placement import order_create, order_dispatch_soon

        try:
            with transaction.atomic():
                for service, values in batch:
                    order_create(service=service, values=values, source=Order.Source.COMMAND,
                                 dispatch=False)  # fmt: skip
                for panel_id in {service.panel_id for service, _ in batch}:
                    order_dispatch_soon(panel_id=panel_id)
        except Exception as exc:  # waking the dispatcher failed (the broker is down): the
            # orders are committed and the sweep sends them; anything else is a failure.
            result.create_errors += 1
            result.notes.append(f"creating a batch: {exc!r}")

    def _step(self, step: Step, sim: Any, result: Result) -> set[int]:
        from django.utils import timezone

        from orders.models import Order
        from orders.services import orders_reap_stuck

        if step.outage:
            sim.outage(step.outage)
        elif step.action == "stop_redis":
            self.redis.stop()
        elif step.action == "start_redis":
            self.redis.start()
        elif step.action == "kill_worker":
            assert self.worker is not None

            def sending() -> bool:  # claimed a moment ago: its slow `add` is under way
                since = timezone.now() - timedelta(seconds=0.05)
                return Order.objects.filter(state=Order.State.SUBMITTING,
                                            submitted_at__lt=since).exists()  # fmt: skip

            with contextlib.suppress(TimeoutError):
                wait_for(sending, 10, "an order being sent", every=0.02)
            self.worker.kill()
            claimed = Order.objects.filter(state=Order.State.SUBMITTING)
            in_flight = set(claimed.values_list("pk", flat=True))
            result.in_flight = len(in_flight)
            reaped = orders_reap_stuck(older_than=timedelta(seconds=-1))
            result.notes.append(f"killed the worker with {len(in_flight)} order(s) being sent; "
                                f"the reaper made {reaped} unknown")  # fmt: skip
            held = held_dispatch_slots()
            if held:
                result.notes.append(f"sending slots the dead worker still holds: {held}")
            sim.set_fault(None)  # the slow adds were there to be interrupted
            self.start_worker()
            return in_flight
        else:
            sim.control("faults", step.fault or {"fault": None})
        return set()

    def _settle(self, panels: list[Any], started: float, scenario: Scenario, result: Result
                ) -> None:  # fmt: skip
        """Wait until no order is queued or being sent and every placed one is final; or until
        nothing has moved for STALL_SECONDS while queued orders are due (they are stalled)."""
        from django.utils import timezone

        from orders.models import Order
        from panels.normalise import Status

        last_step = max((s.at + s.outage for s in scenario.steps), default=0.0)
        deadline = started + max(CREATE_SECONDS, last_step) + SETTLE_SECONDS
        ours = Order.objects.filter(panel__in=panels)
        pending = ours.filter(state__in=[Order.State.QUEUED, Order.State.SUBMITTING])
        unsynced = ours.filter(state=Order.State.PLACED).exclude(status__in=Status.FINAL)
        from orders.tasks import slot_lease_seconds

        patience = max(STALL_SECONDS, *(slot_lease_seconds(p) + 2 * SWEEP_SECONDS for p in panels))
        seen, moved = None, time.monotonic()
        while time.monotonic() < deadline:
            if not pending.exists() and not unsynced.exists():
                return
            now = Counter(ours.values_list("state", "status"))
            if now != seen:
                seen, moved = now, time.monotonic()
            if pending.filter(next_attempt_at__gt=timezone.now()).exists():
                moved = time.monotonic()  # waiting for their next try is not being stuck
            elif time.monotonic() - moved > patience:
                break
            if self.worker is not None and not self.worker.alive():
                result.notes.append("the worker died on its own; started another")
                self.start_worker()
            time.sleep(0.5)
        if pending.exists():
            result.notes.append(f"{pending.count()} order(s) still queued or being sent; "
                                f"sending slots taken: {held_dispatch_slots()}")  # fmt: skip
        if unsynced.exists():
            result.mismatches.append(f"{unsynced.count()} placed order(s) not final in time")

    def _check(self, sim: Any, panels: list[Any], links: list[str], in_flight: set[int],
               result: Result, *, cuts_requests: bool) -> None:  # fmt: skip
        from orders.models import Order
        from orders.selectors import OrderFilters, order_search

        ours = list(Order.objects.filter(panel__in=panels).select_related("service", "panel"))
        for link in sorted(set(links) - {o.link for o in ours}):
            result.lost_orders.append(f"{link}: never became an order")
        adds = sim.requests("add")
        listed = set(
            order_search(filters=OrderFilters(attention=True)).values_list("pk", flat=True)
        )
        result.orders = len(ours)
        by_state = Counter(o.state for o in ours)
        result.placed = by_state[Order.State.PLACED]
        result.rejected = by_state[Order.State.REJECTED]
        result.sent_later = sum(o.attempts > 0 for o in ours if o.state != Order.State.QUEUED)
        catalogs = {p.catalog for p in panels}
        result.faulted_adds = sum(e.fault is not None and e.catalog in catalogs for e in adds)
        duplicated: set[int] = set()
        for panel in panels:
            mine = [o for o in ours if o.panel_id == panel.pk]
            check_panel(panel, mine, adds, listed, in_flight, result, duplicated,
                        cuts_requests=cuts_requests, sim=sim)  # fmt: skip
        result.duplicate_orders = sorted(duplicated)
        result.duplicates = len(duplicated)
        result.lost = len(result.lost_orders)
        result.stalled_orders.sort()
        result.stalled = len(result.stalled_orders)
        result.unknown_orders = sorted(o.pk for o in ours if o.state == Order.State.UNKNOWN)
        result.unknown = len(result.unknown_orders)
        result.unvouched_orders.sort()
        if result.unknown_orders != result.unvouched_orders:
            result.mismatches.append(
                f"unknown {result.unknown_orders} != unvouched {result.unvouched_orders}"
            )
        result.ledger_ok = not result.mismatches


# ---- Running it --------------------------------------------------------------------------


def database_url(db: dict[str, Any]) -> str:
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{quote(db['NAME'], safe='')}"


def prepare_environment(redis: PrivateRedis, workdir: Path) -> None:
    """Before Django reads its settings: our Redis, PostgreSQL, and secrets if none are set."""
    os.environ["REDIS_URL"] = redis.url
    os.environ["VAR_DIR"] = str(workdir / "var")
    # The simulator is plain http on loopback; real deployments refuse both.
    os.environ["PANEL_ALLOW_HTTP"] = "true"
    os.environ["PANEL_ALLOW_PRIVATE_ADDRESSES"] = "true"
    dot_env = (ROOT / ".env").exists() and os.environ.get("DJANGO_READ_DOT_ENV", "1") != "0"
    if not dot_env:
        from cryptography.fernet import Fernet

        os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
        os.environ.setdefault("SECRET_KEY", "fault-suite-" + Fernet.generate_key().decode())
        os.environ.setdefault("PANEL_KEY_ENCRYPTION_KEYS", Fernet.generate_key().decode())


@contextlib.contextmanager
def throwaway_database() -> Iterator[None]:
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        raise SystemExit("The fault suite needs PostgreSQL (a real worker shares the database): "
                         "set DATABASE_URL=postgres://...")  # fmt: skip
    setup_test_environment()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_faults_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(names: list[str], orders: int, keep_logs: Path | None = None) -> list[Result]:
    """Run the named scenarios (all by default) and return their results."""
    scenarios = [s for s in SCENARIOS if not names or s.name in names]
    unknown = set(names) - {s.name for s in SCENARIOS}
    if unknown:
        raise SystemExit(f"unknown scenario(s) {sorted(unknown)}; known: "
                         f"{', '.join(s.name for s in SCENARIOS)}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="fault-suite-") as tmp:
        workdir = Path(tmp)
        redis = PrivateRedis(workdir)
        prepare_environment(redis, workdir)
        redis.start()
        try:
            import django

            django.setup()
            with throwaway_database():
                suite = Suite(workdir=workdir, redis=redis, orders=orders, keep_logs=keep_logs)
                return run_scenarios(scenarios, suite)
        finally:
            redis.stop()


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


HEADERS = ("fault", "orders", "duplicates", "lost", "unknown", "stalled", "placed",
           "rejected", "sent later", "ledgers", "seconds")  # fmt: skip


def row(result: Result) -> list[object]:
    return [result.label, result.orders, result.duplicates, result.lost, result.unknown,
            result.stalled, result.placed, result.rejected, result.sent_later,
            "match" if result.ledger_ok else "MISMATCH", result.seconds]  # fmt: skip


def format_row(cells: list[object] | tuple[object, ...]) -> str:
    widths = (24, 6, 10, 4, 7, 7, 6, 8, 10, 8, 7)
    return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="orders per scenario")
    parser.add_argument("--scenarios", default="", help="comma-separated names (default: all)")
    parser.add_argument("--json", type=Path, help="also write every result, in detail, here")
    parser.add_argument("--keep-logs", type=Path, help="copy the worker's, Redis' and the "
                        "simulators' logs to this folder")  # fmt: skip
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
    figure("fault suite: orders stalled (queued, never sent)", stalled, target="0",
           met=stalled == 0)  # fmt: skip
    figure("fault suite: ledgers matching", sum(r.ledger_ok for r in results),
           target=f"{len(results)} of {len(results)}", met=matched)  # fmt: skip
    return 0 if duplicates == 0 and lost == 0 and stalled == 0 and matched else 1


if __name__ == "__main__":
    sys.exit(main())
