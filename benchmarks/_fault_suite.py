"""The fault suite's driver: one scenario run end to end against a fresh simulator, then
checked (benchmarks/faults.py; the rules are in its docstring).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks._fault_checks import Result, check_panel, held_dispatch_slots
from benchmarks._fault_hostile import (
    StatusWatch,
    check_catalog_runs,
    sync_catalogs,
    upload_twice,
    worker_crashes,
)
from benchmarks._fault_processes import (
    KEY,
    Beat,
    PrivateRedis,
    Simulator,
    Simulators,
    Worker,
    database_url,
    wait_for,
)
from benchmarks._fault_routing import check_routing, create_routed, routed_plan, routing_step
from benchmarks._fault_scenarios import (
    CATALOGS,
    PANEL_TIMEOUT,
    SETTLE_SECONDS,
    SHORT_OF_FUNDS,
    STALL_SECONDS,
    SWEEP_SECONDS,
    UPLOAD_EVERY,
    Scenario,
    Step,
)


class Suite:
    def __init__(
        self, *, workdir: Path, redis: PrivateRedis, orders: int, keep_logs: Path | None = None
    ) -> None:
        self.workdir = workdir
        self.keep_logs = keep_logs
        self.redis = redis
        self.orders = orders
        self.worker: Worker | None = None
        self.workers_started = 0
        self.worker_log = workdir / "worker.log"
        self.watch = StatusWatch()
        self.uploads: list[tuple[Any, dict]] = []  # the orders the upload flow makes
        self.panels: list[Any] = []

    def worker_env(self) -> dict[str, str]:
        from django.db import connection

        return {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "REDIS_URL": self.redis.url,
            "VAR_DIR": str(self.workdir / "var"),
        }

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
        from django.utils import timezone

        self.ensure_worker()
        began = time.monotonic()
        log_since = self.worker_log.stat().st_size if self.worker_log.exists() else 0
        self.watch, self.uploads = StatusWatch(), []
        sim: Any = (
            Simulators(self.workdir, scenario.name, CATALOGS)
            if scenario.routed
            else Simulator(self.workdir, scenario.name)
        )
        beat = Beat(sim)
        result = Result(scenario.name, scenario.label)
        panels: list[Any] = []
        try:
            panels = self.panels = self._panels(sim, scenario, result)
            plan = (
                routed_plan(scenario, panels, self.orders, result)
                if scenario.routed
                else self._plan(scenario, panels, sim)
            )
            if scenario.uploads:
                self.uploads = plan[::UPLOAD_EVERY]
            if scenario.add_latency_ms:
                sim.set_fault("latency", actions=["add"], latency_ms=scenario.add_latency_ms)
            beat.start()
            started = time.monotonic()  # the steps' clock: orders are created from now
            clock = timezone.now()  # the same, for our orders' created_at
            in_flight = self._drive(scenario, sim, plan, started, result)
            self._settle(panels, started, scenario, result)
            links = [values["link"] for _, values in plan]
            cuts = any(step.outage for step in scenario.steps)
            self._check(
                sim,
                panels,
                links,
                in_flight,
                result,
                cuts_requests=cuts,
                routed=(scenario, clock) if scenario.routed else None,
            )
            if self.watch.began:
                self.watch.check(sim, panels, result)
            check_catalog_runs(panels, result)
            redis_down = any(step.action == "stop_redis" for step in scenario.steps)
            worker_crashes(self.worker_log, log_since, result, redis_down=redis_down)
            result.ledger_ok = not result.mismatches
        finally:
            beat.stop()
            sim.stop()
            from panels.models import Panel

            Panel.objects.filter(pk__in=[p.pk for p in panels]).update(is_active=False)
        result.seconds = round(time.monotonic() - began, 1)
        if beat.publish_errors:
            result.notes.append(f"{beat.publish_errors} periodic task(s) not published")
        return result

    def _panels(self, sim: Any, scenario: Scenario, result: Result) -> list[Any]:
        from panels.models import Panel
        from panels.services import panel_create

        panels = []
        for catalog in CATALOGS:
            panel = panel_create(
                name=f"{scenario.name} {catalog}", api_key=KEY, api_url=sim.api_url(catalog=catalog)
            )
            Panel.objects.filter(pk=panel.pk).update(timeout_seconds=PANEL_TIMEOUT)
            panel.refresh_from_db()
            panel.catalog = catalog
            panels.append(panel)
        sync_catalogs(panels, sim, scenario, result)
        return panels

    def _plan(self, scenario: Scenario, panels: list[Any], sim: Any) -> list[tuple[Any, dict]]:
        """(service, values) per order, round robin over panels and a few services each."""
        from panels.models import Service

        services = {
            panel.pk: list(
                Service.objects.filter(
                    panel=panel,
                    is_active=True,
                    type="default",
                    dripfeed=False,
                    min_quantity__lte=100,
                    max_quantity__gte=1000,
                ).order_by("remote_id")[:4]
            )
            for panel in panels
        }
        plan = []
        for n in range(self.orders):
            panel = panels[n % len(panels)]
            service = services[panel.pk][(n // len(panels)) % len(services[panel.pk])]
            values = {
                "link": f"https://example.com/{scenario.name}/{n}",
                "quantity": 100 + 10 * (n % 7),
            }
            plan.append((service, values))
        short = panels[-1]
        cost = sum(
            (s.rate * v["quantity"] / 1000 for s, v in plan if s.panel_id == short.pk),
            Decimal(0),
        )
        sim.set_balance((cost * SHORT_OF_FUNDS).quantize(Decimal("0.01")), catalog=short.catalog)
        return plan

    def _drive(
        self, scenario: Scenario, sim: Any, plan: list, started: float, result: Result
    ) -> set[int]:
        """Create the orders over CREATE_SECONDS while the steps happen on time."""
        steps = sorted(scenario.steps, key=lambda s: s.at)
        in_flight: set[int] = set()
        created = 0
        while created < len(plan) or steps:
            elapsed = time.monotonic() - started
            while steps and steps[0].at <= elapsed:
                in_flight |= self._step(steps.pop(0), sim, result)
            share = min(elapsed / scenario.create_seconds, 1.0)
            due = min(len(plan), int(len(plan) * share) + 1)
            if due > created:
                batch = [entry for entry in plan[created:due] if entry not in self.uploads]
                if batch and scenario.routed:
                    create_routed(batch, result)
                elif batch:
                    self._create(batch, result)
            created = max(created, due)
            time.sleep(0.2)
        return in_flight

    def _create(self, batch: list[tuple[Any, dict]], result: Result) -> None:
        """One batch in one transaction, each panel's dispatcher woken once on commit: the
        upload flow (the form's is the same with a batch of one)."""
        from django.db import transaction

        from orders.models import Order
        from orders.services.create import order_create, order_dispatch_soon

        try:
            with transaction.atomic():
                for service, values in batch:
                    order_create(
                        service=service, values=values, source=Order.Source.COMMAND, dispatch=False
                    )
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

        if step.panel:  # a routed scenario's step: one panel's simulator only
            routing_step(step, sim, self.panels)
        elif step.outage:
            sim.outage(step.outage)
        elif step.action == "watch_status":  # the fault on, and what the orders look like
            sim.control("faults", step.fault or {"fault": None})
            self.watch.start(self.panels)
        elif step.action == "watched_status":
            self.watch.stop(self.panels)
            sim.set_fault(None)
        elif step.action == "uploads":
            upload_twice(self.uploads, result)
        elif step.action == "stop_redis":
            self.redis.stop()
        elif step.action == "start_redis":
            self.redis.start()
        elif step.action == "kill_worker":
            assert self.worker is not None

            def sending() -> bool:  # claimed a moment ago: its slow `add` is under way
                since = timezone.now() - timedelta(seconds=0.05)
                return Order.objects.filter(
                    state=Order.State.SUBMITTING, submitted_at__lt=since
                ).exists()

            with contextlib.suppress(TimeoutError):
                wait_for(sending, 10, "an order being sent", every=0.02)
            self.worker.kill()
            claimed = Order.objects.filter(state=Order.State.SUBMITTING)
            in_flight = set(claimed.values_list("pk", flat=True))
            result.in_flight = len(in_flight)
            reaped = orders_reap_stuck(older_than=timedelta(seconds=-1))
            result.notes.append(
                f"killed the worker with {len(in_flight)} order(s) being sent; "
                f"the reaper made {reaped} unknown"
            )
            held = held_dispatch_slots()
            if held:
                result.notes.append(f"sending slots the dead worker still holds: {held}")
            sim.set_fault(None)  # the slow adds were there to be interrupted
            self.start_worker()
            return in_flight
        else:
            sim.control("faults", step.fault or {"fault": None})
        return set()

    def _settle(
        self, panels: list[Any], started: float, scenario: Scenario, result: Result
    ) -> None:
        """Wait until no order is queued or being sent and every placed one is final; or until
        nothing has moved for STALL_SECONDS while queued orders are due (they are stalled)."""
        from django.utils import timezone

        from orders.models import Order
        from panels.api.normalise import Status

        last_step = max((s.at + s.outage for s in scenario.steps), default=0.0)
        deadline = started + max(scenario.create_seconds, last_step) + SETTLE_SECONDS
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
            result.notes.append(
                f"{pending.count()} order(s) still queued or being sent; "
                f"sending slots taken: {held_dispatch_slots()}"
            )
        if unsynced.exists():
            result.mismatches.append(f"{unsynced.count()} placed order(s) not final in time")

    def _check(
        self,
        sim: Any,
        panels: list[Any],
        links: list[str],
        in_flight: set[int],
        result: Result,
        *,
        cuts_requests: bool,
        routed: tuple[Scenario, datetime] | None = None,
    ) -> None:
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
            check_panel(
                panel,
                mine,
                adds,
                listed,
                in_flight,
                result,
                duplicated,
                cuts_requests=cuts_requests,
                sim=sim,
            )
        if routed is not None:
            check_routing(ours, sim, panels, routed, duplicated, result)
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
