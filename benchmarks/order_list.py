"""Order list speed: the page over 200,000 orders, first page, filtered, searched and deep.

    .venv/bin/python benchmarks/order_list.py [--orders 200000] [--runs 15]

Runs in a throwaway test database on whatever DATABASE_URL points at (PostgreSQL is what the
targets are for). Orders go in with COPY, spread over a year, five panels and 1,000 services,
mostly placed and finished, as a busy reseller's would be. Then every page is rendered through
Django's test Client, logged in, like a browser asks for it. Prints SQL queries per page, the
slowest query, and the median and 90th percentile render time.
Targets: the query count does not depend on the number of orders; median under 150 ms.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._seed import PANELS, SERVICES_PER_PANEL, insert_orders
from benchmarks.report import figure, table

TARGET_MEDIAN_MS = 150.0


# Not in the models (yet): what --proposed-indexes adds, to measure what they would change.
PROPOSED_INDEXES = (
    # the default sort, (created_at, id) newest first: pages found in the index alone
    "CREATE INDEX bench_order_created_id ON orders_order (created_at DESC, id DESC)",
    # search by the panel's order id, whatever the panel
    "CREATE INDEX bench_order_remote_id ON orders_order (remote_id)",
    # search by part of a link: `link__icontains` is UPPER(link) LIKE UPPER('%...%') on PostgreSQL
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX bench_order_link_trgm ON orders_order USING gin (upper(link::text) gin_trgm_ops)",
)


def measure(client, url: str, runs: int) -> tuple[int, float, list[float], int]:
    """(queries, slowest query in ms, render times in ms, response bytes)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm up: templates, caches, the database's buffers
        client.get(url)
    with CaptureQueriesContext(connection) as capture:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    # Read now: the next request empties the connection's query log.
    captured = list(capture.captured_queries)
    slowest = max((float(q["time"]) for q in captured), default=0.0) * 1000
    if os.environ.get("BENCH_SQL"):
        for q in captured:
            print(f"  {float(q['time']) * 1000:6.1f} ms  {q['sql'][:3000]}")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return len(captured), slowest, times, len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument(
        "--proposed-indexes",
        action="store_true",
        help="add the indexes PROPOSED_INDEXES suggests before measuring",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the test database afterwards (to EXPLAIN the queries)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from orders.models import Order
    from panels.models import Panel, Service

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results: list[tuple[str, str, int, float, list[float], int]] = []
    try:
        user = User.objects.create_user("bench", password=secrets.token_urlsafe())
        panels = []
        for n in range(PANELS):
            panel = Panel(
                name=f"Bench Panel {n}", api_url=f"https://p{n}.example/api/v2", currency="USD"
            )
            panel.api_key = "k"
            panel.save()
            panels.append(panel)
        services = Service.objects.bulk_create(
            Service(
                panel=panel,
                remote_id=str(s),
                name=f"Instagram Followers #{s}",
                rate=Decimal("1.20"),
                category="Instagram",
            )
            for panel in panels
            for s in range(SERVICES_PER_PANEL)
        )
        seconds = insert_orders(args.orders, [(s.pk, s.panel_id) for s in services], user.pk)
        if args.proposed_indexes:
            with connection.cursor() as cursor:
                for sql in PROPOSED_INDEXES:
                    cursor.execute(sql)
                cursor.execute(f"ANALYZE {Order._meta.db_table}")
        total = Order.objects.count()
        print(
            f"database: {connection.vendor} {connection.pg_version}; orders: {total:,} "
            f"(COPY + VACUUM ANALYZE: {seconds:.1f} s)"
            f"{'; with the proposed indexes' if args.proposed_indexes else ''}"
        )

        some = Order.objects.filter(state="placed").order_by("pk")[total // 3]
        link_part = some.link.removeprefix("https://instagram.com/p/").rstrip("/")[:8]
        last_page = (total + 49) // 50
        pages = (
            ("first page", "/orders/"),
            ("filtered: panel + state + status",
             f"/orders/?panel={panels[2].pk}&state=placed&status=in_progress"),
            ("filtered: service + last 30 days",
             f"/orders/?service={services[7].pk}&from="
             f"{(django.utils.timezone.localdate() - timedelta(days=30)).isoformat()}"),
            ("filtered: needs attention", "/orders/?attention=yes"),
            ("search: part of a link", f"/orders/?q={link_part}"),
            ("search: panel order id", f"/orders/?q={some.remote_id}"),
            ("sorted: charge, high to low", "/orders/?sort=-charge"),
            ("deep page (middle)", f"/orders/?page={last_page // 2}"),
            ("deep page (last)", f"/orders/?page={last_page}"),
            ("htmx rows partial (poll)", "/orders/?state=placed&status=pending"),
            ("overview (spend chart)", "/"),
        )  # fmt: skip
        client = Client()
        client.force_login(user)
        htmx = Client(headers={"HX-Request": "true", "HX-Trigger": "order-results"})
        htmx.force_login(user)
        for label, url in pages:
            which = htmx if label.startswith("htmx") else client
            queries, slowest, times, size = measure(which, url, args.runs)
            results.append((label, url, queries, slowest, times, size))

        started = time.perf_counter()
        response = client.get("/orders/export.csv")
        exported = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
        export_seconds = time.perf_counter() - started
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    headers = ["page", "queries", "slowest query ms", "median ms", "p90 ms", "KB"]
    print(f"{'page':34} {'queries':>7} {'slowest q':>9} {'median':>8} {'p90':>8} {'KB':>6}")
    rows = []
    for label, _url, queries, slowest, times, size in results:
        p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
        print(
            f"{label:34} {queries:>7} {slowest:>7.1f}ms {statistics.median(times):>6.1f}ms "
            f"{p90:>6.1f}ms {size / 1024:>6.0f}"
        )
        rows.append(
            [
                label,
                queries,
                f"{slowest:.1f}",
                f"{statistics.median(times):.1f}",
                f"{p90:.1f}",
                f"{size / 1024:.0f}",
            ]
        )
    print(f"CSV export of every order: {exported:,} rows in {export_seconds:.1f} s")
    print("(queries include 2 for the session and user; render = the whole Django response)")
    rows.append(
        [
            "CSV export of every order",
            "",
            "",
            f"{export_seconds * 1000:.0f}",
            "",
            f"{exported:,} rows",
        ]
    )
    table(f"Order list over {total:,} orders (render = the whole Django response)", headers, rows)
    for label, _url, _queries, _slowest, times, _size in results:
        median = statistics.median(times)
        figure(
            f"order list, {label}: median render",
            round(median, 1),
            unit="ms",
            target=f"under {TARGET_MEDIAN_MS:g} ms",
            met=median < TARGET_MEDIAN_MS,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
