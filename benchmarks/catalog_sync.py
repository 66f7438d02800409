"""Catalog sync speed: 3 simulated panels with 5,000 services each, first sync and re-sync.

    .venv/bin/python benchmarks/catalog_sync.py [--services 5000] [--panels 3]

Runs in a throwaway test database on whatever DATABASE_URL points at (PostgreSQL is what the
targets are for). Prints services per second and SQL queries per 1,000 services.
Targets: at most 10 queries per 1,000 services on the first sync; a re-sync with 5% of rates
changed rewrites only the changed rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks.report import figure, table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--panels", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from panels.models import CatalogEvent, Service
    from panels.services import catalog_sync, panel_create
    from simulator import start_simulator

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    rows: list[tuple[str, str, int, float, int, int, int]] = []
    expected_writes: dict[str, int] = {}  # re-syncs: the rows the panels changed
    try:
        with tempfile.TemporaryDirectory() as state:
            variants = ["base", "alt1", "alt2"]
            sims = [
                start_simulator(
                    state_dir=Path(state) / str(n),
                    keys=("bench",),
                    catalog=variants[n % 3],
                    catalog_size=args.services,
                )
                for n in range(args.panels)
            ]
            panels = [
                panel_create(name=f"Bench {n}", api_url=sim.api_url(), api_key="bench")
                for n, sim in enumerate(sims)
            ]
            for label, prepare in (
                ("first sync", lambda sim: None),
                ("re-sync, nothing changed", lambda sim: []),
                ("re-sync, 5% re-priced", lambda sim: sim.reprice(0.05, seed=7)),
            ):
                for panel, sim in zip(panels, sims, strict=True):
                    changed = prepare(sim)
                    if changed is not None:
                        expected_writes[label] = expected_writes.get(label, 0) + len(changed)
                    service_count = len(sim.services())
                    CatalogEvent.objects.all().delete()
                    with CaptureQueriesContext(connection) as queries:
                        started = time.perf_counter()
                        result = catalog_sync(panel=panel)
                        elapsed = time.perf_counter() - started
                    rows.append(
                        (
                            label,
                            panel.name,
                            service_count,
                            elapsed,
                            len(queries),
                            result.created + result.updated,
                            result.events,
                        )
                    )
            for sim in sims:
                sim.stop()
            total = Service.objects.count()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(f"database: {connection.vendor}; services stored: {total}")
    header = f"{'sync':26} {'panel':8} {'services':>8} {'seconds':>8} {'svc/s':>8} "
    print(header + f"{'queries':>8} {'q/1000':>7} {'rows written':>12} {'events':>7}")
    for label, name, count, seconds, queries, written, events in rows:
        print(
            f"{label:26} {name:8} {count:>8} {seconds:>8.2f} {count / seconds:>8,.0f} "
            f"{queries:>8} {queries * 1000 / count:>7.1f} {written:>12} {events:>7}"
        )
    table(
        f"Catalog sync, {args.panels} panels ({total} services stored)",
        [
            "sync",
            "panel",
            "services",
            "seconds",
            "services/s",
            "queries",
            "q/1000",
            "rows written",
            "events",
        ],
        [
            [
                label,
                name,
                count,
                f"{seconds:.2f}",
                f"{count / seconds:,.0f}",
                queries,
                f"{queries * 1000 / count:.1f}",
                written,
                events,
            ]
            for label, name, count, seconds, queries, written, events in rows
        ],
    )
    first = max(r[4] * 1000 / r[2] for r in rows if r[0] == "first sync")
    figure(
        "catalog first sync: SQL queries per 1,000 services (worst panel)",
        round(first, 1),
        target="at most 10",
        met=first <= 10,
    )
    for label, expected in expected_writes.items():
        written = sum(r[5] for r in rows if r[0] == label)
        figure(
            f"catalog {label}: rows written",
            written,
            met=written == expected,
            target=f"only the changed rows ({expected})",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
