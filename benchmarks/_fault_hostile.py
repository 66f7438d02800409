"""The fault suite's pieces for hostile answers and the upload flow (benchmarks/faults.py):
catalog syncs run by the worker (one of them against an out-of-range catalog), the watch over
a malformed-status window, two previews of one file submitted twice, and the checks of what
they left behind.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from benchmarks._fault_checks import Result, while_another_was_active
from benchmarks._fault_processes import wait_for
from benchmarks._fault_scenarios import (
    CATALOG_SYNC_SECONDS,
    MALFORMED_FRACTION,
    MALFORMED_SEED,
    Scenario,
)

REAPED = "the worker sending it stopped"  # the reaper's words (orders.services.outcomes)
# An order whose answer did not come in time says so.
LATE = re.compile(r"timed out|in time|deadline|too long|no answer within", re.IGNORECASE)
MONEY_LIMIT = 10**12
COUNT_LIMIT = 2**63 - 1


# ---- Catalog syncs -----------------------------------------------------------------------


def sync_catalogs(panels: list[Any], sim: Any, scenario: Scenario, result: Result) -> None:
    """Each panel's catalog synced by the worker, as the sync button does, one panel at a time;
    the scenario's catalog fault (if any) meets the first panel's sync only."""
    from panels.models import CatalogSync
    from panels.services import catalog_sync, catalog_sync_start

    for n, panel in enumerate(panels):
        if n == 0 and scenario.catalog_fault is not None:
            sim.control("faults", {**scenario.catalog_fault, "count": 1})
        run = catalog_sync_start(panel=panel, trigger=CatalogSync.Trigger.COMMAND)
        assert run is not None, "the benchmark's panels are enabled"
        finished = CatalogSync.objects.filter(
            pk=run.pk, state__in=[CatalogSync.State.DONE, CatalogSync.State.FAILED]
        )
        with contextlib.suppress(TimeoutError):  # still running: reported below
            wait_for(finished.exists, CATALOG_SYNC_SECONDS, "the catalog sync", every=0.2)
        run.refresh_from_db()
        if n == 0 and scenario.catalog_fault is not None:
            sim.set_fault(None)
            result.catalog_skipped = run.skipped
            _check_hostile_catalog(panel, run, sim, result)
        if run.state != CatalogSync.State.DONE:
            result.mismatches.append(f"catalog sync of {panel.name}: {run.state} {run.error!r}")
            try:  # so the orders can go on: the suite syncs it itself, the fault used up
                catalog_sync(panel=panel)
            except Exception as exc:
                result.notes.append(f"syncing {panel.name} again: {exc!r}")


def _check_hostile_catalog(panel: Any, run: Any, sim: Any, result: Result) -> None:
    """The good services stored, the out-of-range ones set aside (or stored without the value
    out of range), and the run says how many it set aside."""
    from panels.models import Service

    spoiled: dict[str, str] = {}
    for entry in sim.requests("services"):
        if entry.catalog == panel.catalog and entry.detail:
            for note in entry.detail.partition(":")[2].split(","):
                sid, _, variant = note.strip().partition(" ")
                spoiled[sid] = variant
    result.notes.append(
        f"catalog of {panel.name}: out of range {spoiled}; the run "
        f"{run.state}, {run.services_seen} seen, {run.skipped} set "
        "aside"
    )
    if not spoiled:
        result.mismatches.append("the out-of-range catalog fault met no service")
        return
    listed = int(sim.control("catalog", catalog=panel.catalog)["services"])
    stored = {s.remote_id: s for s in Service.objects.filter(panel=panel, is_active=True)}
    set_aside = [sid for sid in spoiled if sid not in stored]
    for sid in set(spoiled) - set(set_aside):
        service = stored[sid]
        sane = (
            service.rate.is_finite()
            and abs(service.rate) < MONEY_LIMIT
            and 0 <= service.min_quantity <= COUNT_LIMIT
            and 0 <= service.max_quantity <= COUNT_LIMIT
            and (service.refill_days or 0) <= 2**31 - 1
        )
        if not sane:
            result.mismatches.append(f"service {sid} stored with its {spoiled[sid]} value")
    if len(stored) != listed - len(set_aside):
        result.mismatches.append(
            f"catalog of {panel.name}: {len(stored)} services stored, "
            f"{listed} listed, {len(set_aside)} set aside"
        )
    if run.skipped < len(set_aside):
        result.mismatches.append(
            f"the catalog sync run records {run.skipped} services set aside, {len(set_aside)} were"
        )


def check_catalog_runs(panels: list[Any], result: Result) -> None:
    """Every catalog sync of the panels ended (done or failed), none left queued or running."""
    from panels.models import CatalogSync

    open_runs = CatalogSync.objects.filter(
        panel__in=panels, state__in=[CatalogSync.State.QUEUED, CatalogSync.State.RUNNING]
    )
    try:
        wait_for(lambda: not open_runs.exists(), 5, "catalog syncs to end")  # all settled
    except TimeoutError:
        for run in open_runs:
            result.mismatches.append(
                f"catalog sync {run.pk} of panel {run.panel_id} is still {run.state}"
            )


# ---- Malformed status entries ------------------------------------------------------------


def malformed_targeted(remote_id: str) -> bool:
    """Whether the scenario's malformed_status rule breaks this order's status entries."""
    from simulator.faults import make_rule

    rule = make_rule("malformed_status", fraction=MALFORMED_FRACTION, seed=MALFORMED_SEED)
    return rule.rank(remote_id, 1) is not None


@dataclass
class StatusWatch:
    """What our orders looked like when the malformed window opened and when it closed."""

    began: float = 0.0  # wall-clock, as the simulator's request log has it
    ended: float = 0.0
    before: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    after: dict[int, tuple[Any, ...]] = field(default_factory=dict)

    @staticmethod
    def snapshot(panels: list[Any]) -> dict[int, tuple[Any, ...]]:
        from orders.models import Order

        placed = Order.objects.filter(panel__in=panels, state=Order.State.PLACED)
        rows = placed.values_list("pk", "remote_id", "status", "remains", "charge")
        return {row[0]: tuple(row[1:]) for row in rows}

    def start(self, panels: list[Any]) -> None:
        self.began, self.before = time.time(), self.snapshot(panels)

    def stop(self, panels: list[Any]) -> None:
        self.ended, self.after = time.time(), self.snapshot(panels)

    def check(self, sim: Any, panels: list[Any], result: Result) -> None:
        """Status syncs went on during the window; the entries not broken were updated."""
        from panels.api.normalise import Status

        catalogs = {p.catalog for p in panels}
        during = [
            e
            for e in sim.requests("status")
            if e.catalog in catalogs and self.began <= e.at <= self.ended
        ]
        result.status_syncs_during_fault = len(during)
        result.hostile_status = sum(e.outcome == "hostile" for e in during)
        active = {pk: old for pk, old in self.before.items() if old[1] not in Status.FINAL}
        untargeted = {pk: old for pk, old in active.items() if not malformed_targeted(old[0])}
        progressed = [pk for pk, old in untargeted.items() if self.after.get(pk, old) != old]
        result.progressed_untargeted = len(progressed)
        result.notes.append(
            f"during the malformed window: {len(during)} status requests, "
            f"{result.hostile_status} with broken entries; {len(progressed)} of "
            f"{len(untargeted)} active orders not targeted moved on"
        )
        if untargeted and not progressed:
            result.mismatches.append(
                "no order whose entries were whole moved on while other entries were broken"
            )


# ---- Two previews of one file --------------------------------------------------------------


def upload_twice(plan: list[tuple[Any, dict]], result: Result) -> None:
    """Half the rows: one CSV previewed twice (two tabs), both submitted one after the other.
    The other half: previewed twice, both submitted at once from two threads. Each link must
    be ordered once."""
    half = len(plan) // 2
    sequential, racing = plan[:half], plan[half:]
    first, second = _previews(sequential, "tab-a.csv")
    asked = second.rows_valid  # a submit moves the rows it refuses to the invalid ones
    made_first = _submit(first, result)
    made_second = _submit(second, result)
    result.refused_second_submit = asked - made_second
    _judge((first, second), "a file previewed twice and submitted twice", result)
    one, other = _previews(racing, "tab-b.csv")
    made: list[int] = []
    errors: list[str] = []
    barrier = threading.Barrier(2)

    def submit(upload: Any) -> None:
        from django.db import connection

        try:
            barrier.wait(timeout=10)
            made.append(_submit(upload, result))
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    asked = one.rows_valid + other.rows_valid
    threads = [threading.Thread(target=submit, args=(u,)) for u in (one, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    result.refused_second_submit += asked - sum(made)
    result.notes.append(
        f"uploads: {made_first} then {made_second} orders from two previews "
        f"of {len(sequential)} rows; {made} at once from two previews of "
        f"{len(racing)} rows"
    )
    for error in errors:
        result.notes.append(f"a racing submit failed: {error}")
    _judge((one, other), "a file previewed twice and submitted at once from two tabs", result)
    if result.bought_again:
        result.notes.append(
            f"uploads: {result.bought_again} row(s) queued again after their first order had "
            "ended (rejected or completed before the second submit said yes)"
        )


def _judge(uploads: tuple[Any, Any], what: str, result: Result) -> None:
    """Each link is ordered once while its order is active. The second submit is told the
    file was queued moments ago and says "yes, again" (see _submit): a row whose first order
    ended in between (rejected for funds, or already completed) is rightly bought again."""
    from orders.models import Order

    by_link: dict[str, list[Any]] = defaultdict(list)
    for order in Order.objects.filter(upload__in=uploads).order_by("created_at", "pk"):
        by_link[order.link].append(order)
    twice = [link for link, orders in by_link.items() if while_another_was_active(orders)]
    if twice:
        result.mismatches.append(
            f"{what}: {len(twice)} link(s) ordered again while the first order was active "
            f"({', '.join(sorted(twice)[:3])})"
        )
    result.bought_again += sum(len(o) - 1 for link, o in by_link.items() if link not in twice)


def _previews(rows: list[tuple[Any, dict]], filename: str) -> tuple[Any, Any]:
    from orders.models import Upload
    from orders.services.uploads import upload_check

    lines = ["panel,service,link,quantity"]
    lines += [f"{s.panel.name},{s.remote_id},{v['link']},{v['quantity']}" for s, v in rows]
    text = "\n".join(lines) + "\n"
    previews = tuple(
        upload_check(kind=Upload.Kind.CSV, data=text.encode(), filename=filename, user=None)
        for _ in range(2)
    )
    for preview in previews:
        if preview.rows_valid != len(rows):
            raise RuntimeError(
                f"a preview found {preview.rows_valid} of {len(rows)} rows "
                f"valid: {preview.invalid_rows[:3]}"
            )
    return previews[0], previews[1]


def _submit(upload: Any, result: Result) -> int:
    """Submit as a person would; told the same file was queued moments ago, they say "yes,
    queue it again" (the worst case), so the check of each link at submit is what remains."""
    from orders.services.uploads import QueueAgainNeeded, upload_submit

    try:
        return upload_submit(upload=upload, user=None)
    except QueueAgainNeeded:
        result.same_file_notices += 1
        return upload_submit(upload=upload, user=None, again=True)


# ---- Why an order is unknown ---------------------------------------------------------------


def check_unknown_reason(
    order: Any, handled: list[Any], timeout: float, in_flight: set[int], result: Result
) -> None:
    """An unknown order's reason tells what happened: the reaper's words only for what a dead
    worker was sending; an answer that came late (or never finished) says it was not in time."""
    text = order.last_error or ""
    if order.pk in in_flight:
        if REAPED not in text:
            result.mismatches.append(
                f"#{order.pk}: unknown after the worker was killed, but its reason is {text!r}"
            )
        return
    if not text.strip():
        result.mismatches.append(f"#{order.pk}: unknown without a reason")
    elif REAPED in text:
        result.mismatches.append(
            f"#{order.pk}: unknown, its reason says the worker stopped, which it did not: {text!r}"
        )
    late = [e for e in handled if e.fault in ("latency", "trickle") or e.seconds >= timeout]
    if late and not LATE.search(text):
        result.mismatches.append(
            f"#{order.pk}: its answer did not come in time, but its reason is {text!r}"
        )


def worker_crashes(log_path: Any, since: int, result: Result, *, redis_down: bool) -> None:
    """Tasks that raised out of the worker during the scenario: a sync or a send must not. A
    task that could not reach Redis while the suite had stopped it is only noted."""
    if not log_path.exists():
        return
    text = log_path.read_bytes()[since:].decode(errors="replace")
    crashes = [line for line in text.splitlines() if "raised unexpected" in line]
    if redis_down:
        cut_off = [line for line in crashes if "ConnectionError" in line]
        crashes = [line for line in crashes if line not in cut_off]
        if cut_off:
            result.notes.append(f"{len(cut_off)} task(s) raised, Redis being down")
    result.task_crashes = len(crashes)
    for line in crashes[:5]:
        result.mismatches.append(f"a task raised: {line.strip()[:300]}")
