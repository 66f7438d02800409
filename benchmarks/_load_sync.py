"""The load test's second process: simulated panels, the seeded orders, and status sync.

Started by `benchmarks/load.py` with the load database in DATABASE_URL; not a benchmark of its
own. It starts one simulator per panel, registers the panels and syncs their catalogs, COPYs
the orders in, puts every order that may still change on its panel's simulator (so the sync
asks about ids the panel knows) and syncs them all once; then it prints one JSON line ("ready")
and runs status sync over every panel, round after round, the way the `status_sync` task does,
until its standard input closes (or `--max-seconds` pass). Last, it prints one JSON line with
what the sync did. The simulators live in this process so that their work does not slow down
the load generator.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._seed import PANELS, SERVICES_PER_PANEL, insert_orders, place_on_simulator

KEY = "load-bench"
CATALOGS = ("base", "alt1", "alt2")


def say(kind: str, **data: object) -> None:
    print(json.dumps({"kind": kind, **data}, default=str), flush=True)


def seed(args: argparse.Namespace, state: Path) -> tuple[list, list, dict]:
    """Simulators, panels and orders; returns (simulators, panels, facts for the load)."""
    from django.contrib.auth.models import User
    from django.db import connection

    from core.bulk import bulk_update_rows
    from orders.models import Order
    from orders.services import orders_to_sync
    from panels.models import Service
    from panels.services import catalog_sync, panel_create
    from simulator import start_simulator

    sims = [
        start_simulator(
            state_dir=state / str(n),
            keys=(KEY,),
            catalog=CATALOGS[n % 3],
            catalog_size=SERVICES_PER_PANEL,
            stage_seconds=args.stage_seconds,
            balance="1000000000",
        )
        for n in range(PANELS)
    ]
    panels = []
    for n, sim in enumerate(sims):
        panel = panel_create(name=f"Load panel {n}", api_url=sim.api_url(), api_key=KEY)
        catalog_sync(panel=panel)
        panels.append(panel)
    services = list(Service.objects.order_by("pk").values_list("pk", "panel_id"))
    user = User.objects.order_by("pk").first()
    copy_seconds = insert_orders(args.orders, services, user.pk if user else None)

    started = time.perf_counter()
    active = 0
    for panel, sim in zip(panels, sims, strict=True):
        # The orders the sync will ask about get ids, services and links the simulator knows.
        by_remote = {
            int(s.remote_id): s.pk
            for s in Service.objects.filter(
                panel=panel,
                type="default",
                dripfeed=False,
                min_quantity__lte=100,
                max_quantity__gte=1000,
            )
        }
        pks = list(orders_to_sync(panel=panel).order_by("pk").values_list("pk", flat=True))
        placed = place_on_simulator(
            sim, len(pks), sorted(by_remote), key=KEY, spread_seconds=3 * args.stage_seconds
        )
        rows = [
            Order(
                pk=pk,
                remote_id=remote_id,
                service_id=by_remote[service],
                link=link,
                quantity=quantity,
            )
            for pk, (remote_id, service, link, quantity) in zip(pks, placed, strict=True)
        ]
        bulk_update_rows(Order, rows, ["remote_id", "service", "link", "quantity"])
        active += len(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Order._meta.db_table}")
    active_seconds = time.perf_counter() - started

    rng = random.Random(11)
    first = Order.objects.order_by("pk").values_list("pk", flat=True)[:1][0]
    last = Order.objects.order_by("-pk").values_list("pk", flat=True)[:1][0]
    sample = list(
        Order.objects.filter(pk__in=[rng.randint(first, last) for _ in range(200)])
        .exclude(remote_id=None)
        .values_list("link", "remote_id")
    )
    facts = {
        "orders": Order.objects.count(),
        "active": active,
        "panels": [p.pk for p in panels],
        "first_pk": first,
        "last_pk": last,
        # Search terms: part of a link (8 characters) and a panel's order id.
        "links": [link.rstrip("/").rsplit("/", 1)[-1][:8] for link, _ in sample],
        "remote_ids": [remote_id for _, remote_id in sample],
        "copy_seconds": round(copy_seconds, 1),
        "active_seconds": round(active_seconds, 1),
    }
    return sims, panels, facts


def sync_until_stopped(args: argparse.Namespace, panels: list) -> dict:
    from django.db import close_old_connections

    from orders.services import orders_status_sync

    stop = threading.Event()

    def wait_for_eof() -> None:
        sys.stdin.read()
        stop.set()

    threading.Thread(target=wait_for_eof, daemon=True).start()
    deadline = time.monotonic() + args.max_seconds
    totals = {"rounds": 0, "syncs": 0, "calls": 0, "checked": 0, "changed": 0, "finished": 0}
    errors: list[str] = []
    round_seconds: list[float] = []
    busy = 0.0  # seconds inside orders_status_sync, pauses left out
    while not stop.is_set() and time.monotonic() < deadline:
        started = time.perf_counter()
        for panel in panels:
            if stop.is_set():
                break
            close_old_connections()
            one = time.perf_counter()
            try:
                result = orders_status_sync(panel=panel)
            except Exception as exc:
                errors.append(f"{panel.name}: {type(exc).__name__}: {exc}")
                continue
            finally:
                busy += time.perf_counter() - one
            totals["syncs"] += 1
            totals["calls"] += result.calls
            totals["checked"] += result.checked
            totals["changed"] += result.changed
            totals["finished"] += result.finished
        else:
            totals["rounds"] += 1
            round_seconds.append(time.perf_counter() - started)
        stop.wait(args.pause)
    return {
        **totals,
        "errors": errors[:20],
        "error_count": len(errors),
        "round_seconds": [round(s, 1) for s in round_seconds],
        "busy_seconds": round(busy, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--stage-seconds", type=float, default=600.0)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between sync rounds")
    parser.add_argument("--max-seconds", type=float, default=900.0)
    args = parser.parse_args()

    import django

    django.setup()
    with tempfile.TemporaryDirectory(prefix="load-sim-") as state:
        sims, panels, facts = seed(args, Path(state))
        try:
            # A first full sync, before the users come: the steady state of a running dashboard,
            # where each round writes only what moved since the last one.
            from orders.services import orders_status_sync

            started = time.perf_counter()
            for panel in panels:
                orders_status_sync(panel=panel)
            facts["first_sync_seconds"] = round(time.perf_counter() - started, 1)
            say("ready", **facts)
            say("sync", **sync_until_stopped(args, panels))
        finally:
            for sim in sims:
                sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
