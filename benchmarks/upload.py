"""Upload check speed: a 10,000-row CSV over 3 panels, read and checked against the catalog.

    .venv/bin/python benchmarks/upload.py [--rows 10000] [--panels 3] [--services 500]

Runs in a throwaway test database on whatever DATABASE_URL points at (PostgreSQL is what the
targets are for). Prints rows per second and SQL queries for two sizes.
Targets: 10,000 rows in under 5 seconds; the number of queries does not grow with the rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks.report import figure, table

TARGET_SECONDS = 5.0


def _csv(rows: int, panels: int, services: int) -> bytes:
    lines = ["panel,service,link,quantity,comments"]
    for n in range(rows):
        panel, remote_id = n % panels, (n // panels) % services + 1
        if remote_id % 10 == 0:  # every tenth service takes custom comments
            lines.append(f'Bench {panel},{remote_id},https://example.com/p/{n},,"Nice\nGreat"')
        else:
            lines.append(f"Bench {panel},{remote_id},https://example.com/p/{n},{100 + n % 900},")
    return ("\n".join(lines) + "\n").encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--panels", type=int, default=3)
    parser.add_argument("--services", type=int, default=500)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from orders.services.uploads import upload_check
    from panels.models import Panel, Service

    setup_test_environment()
    settings.UPLOAD_MAX_ROWS = max(args.rows, settings.UPLOAD_MAX_ROWS)
    settings.UPLOAD_MAX_BYTES = max(50 * 1024 * 1024, settings.UPLOAD_MAX_BYTES)
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: list[tuple[int, float, int, int]] = []
    try:
        for n in range(args.panels):
            panel = Panel(
                name=f"Bench {n}",
                api_url=f"https://bench{n}.example/api/v2",
                currency="USD",
                balance=Decimal("1000"),
            )
            panel.api_key = "bench"
            panel.save()
            Service.objects.bulk_create(
                Service(
                    panel=panel,
                    remote_id=str(i),
                    name=f"Service {i}",
                    rate=Decimal("0.9"),
                    min_quantity=1 if i % 10 == 0 else 10,
                    max_quantity=100_000,
                    type="custom_comments" if i % 10 == 0 else "default",
                )
                for i in range(1, args.services + 1)
            )
        for rows in (max(args.rows // 50, 10), args.rows):
            data = _csv(rows, args.panels, args.services)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                upload = upload_check(kind="csv", data=data, filename="bench.csv", user=None)
                elapsed = time.perf_counter() - started
            results.append((rows, elapsed, len(queries), upload.rows_valid))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)

    print(
        f"database: {connection.vendor}; panels: {args.panels}; services per panel: {args.services}"
    )
    print(f"{'rows':>8} {'valid':>8} {'seconds':>8} {'rows/s':>10} {'queries':>8}")
    for rows, seconds, count, valid in results:
        print(f"{rows:>8} {valid:>8} {seconds:>8.2f} {rows / seconds:>10,.0f} {count:>8}")
    big = results[-1]
    ok = big[1] < TARGET_SECONDS and results[0][2] == big[2]
    print(
        f"target: {args.rows} rows under {TARGET_SECONDS:g} s, queries not growing: "
        f"{'met' if ok else 'NOT met'}"
    )
    table(
        f"Upload check ({args.panels} panels, {args.services} services each)",
        ["rows", "valid", "seconds", "rows/s", "queries"],
        [
            [rows, valid, f"{seconds:.2f}", f"{rows / seconds:,.0f}", count]
            for rows, seconds, count, valid in results
        ],
    )
    figure(
        f"upload check: {args.rows:,} CSV rows",
        round(big[1], 2),
        unit="s",
        target=f"under {TARGET_SECONDS:g} s",
        met=big[1] < TARGET_SECONDS,
    )
    figure(
        f"upload check: queries for {results[0][0]:,} vs {big[0]:,} rows",
        f"{results[0][2]} vs {big[2]}",
        target="the same",
        met=results[0][2] == big[2],
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
