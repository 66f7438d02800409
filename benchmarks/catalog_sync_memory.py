"""Catalog sync memory: one simulated panel listing 50,000 services, the sync's peak RSS.

    .venv/bin/python benchmarks/catalog_sync_memory.py [--services 50000]

Runs in a throwaway test database on whatever DATABASE_URL points at. Each sync runs in a
process of its own (this script again, with --child), so its peak resident memory
(VmHWM) is the sync's and Django's alone: the first sync, a re-sync with 5% of
the rates changed (the stored catalog is read too), and beside them the naive way, the whole
answer read and parsed at once as `PanelClient.services()` does, before any database work.
Target: peak RSS under 150 MB for each sync.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks.report import figure, table

TARGET_MB = 150.0


def memory_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (the peak) of this process, from /proc. Not getrusage's
    ru_maxrss: Linux carries that over a fork and exec, so a child of this script (which holds
    the simulator's catalog) would start at its parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError(f"no {field} in /proc/self/status")


def child(database: str, panel_id: int, mode: str) -> int:
    """One sync (or the naive read) in this process; prints its figures as one JSON line."""
    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    os.environ["DATABASE_URL"] = urlunsplit(url._replace(path=f"/{database}"))
    import django

    django.setup()
    from panels.models import Panel
    from panels.services import catalog_sync

    panel = Panel.objects.get(pk=panel_id)
    client = panel.client()
    before = memory_mb("VmRSS")
    started = time.perf_counter()
    if mode == "whole answer":
        seen = len(client.services().services)
    else:
        seen = catalog_sync(panel=panel, client=client).services_seen
    seconds = time.perf_counter() - started
    print(
        json.dumps({"before": before, "peak": memory_mb("VmHWM"), "seconds": seconds, "seen": seen})
    )
    return 0


def run_child(database: str, panel_id: int, mode: str) -> dict[str, float]:
    command = [sys.executable, __file__, "--child", database, str(panel_id), mode]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{mode}: {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        return child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=50_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from panels.models import Service
    from panels.services import panel_create
    from simulator import start_simulator

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    database = connection.settings_dict["NAME"]
    rows: list[tuple[str, dict[str, float]]] = []
    try:
        with tempfile.TemporaryDirectory() as state:
            sim = start_simulator(
                state_dir=Path(state), keys=("bench",), catalog_size=args.services
            )
            try:
                panel = panel_create(name="Big", api_url=sim.api_url(), api_key="bench")
                connection.close()  # the children write; this process only waits
                rows.append(
                    ("naive: whole answer parsed", run_child(database, panel.pk, "whole answer"))
                )
                rows.append(("first sync", run_child(database, panel.pk, "sync")))
                sim.reprice(0.05, seed=7)
                rows.append(("re-sync, 5% re-priced", run_child(database, panel.pk, "sync")))
            finally:
                sim.stop()
        stored = Service.objects.filter(panel=panel).count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(
        f"database: {connection.vendor}; one panel, {args.services:,} services; stored: {stored:,}"
    )
    print(f"{'run':30} {'before MB':>9} {'peak MB':>8} {'seconds':>8} {'services':>9}")
    for label, found in rows:
        print(
            f"{label:30} {found['before']:>9.0f} {found['peak']:>8.0f} {found['seconds']:>8.1f} "
            f"{found['seen']:>9,.0f}"
        )
    print("(before: the process's resident memory with Django loaded; peak: its highest)")
    table(
        f"Catalog sync of one panel with {args.services:,} services: peak RSS of its process",
        ["run", "MB before", "peak MB", "seconds", "services"],
        [
            [
                label,
                f"{f['before']:.0f}",
                f"{f['peak']:.0f}",
                f"{f['seconds']:.1f}",
                f"{f['seen']:,.0f}",
            ]
            for label, f in rows
        ],
    )
    naive = rows[0][1]["peak"]
    for label, found in rows[1:]:
        figure(
            f"catalog sync of one {args.services:,}-service panel, {label}: peak RSS",
            round(found["peak"]),
            unit="MB",
            target=f"under {TARGET_MB:g} MB (whole answer parsed at once: {naive:.0f} MB)",
            met=found["peak"] < TARGET_MB,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
