"""Order list speed: the list and the overview over 2,000,000 orders, and their query counts
beside a small seed of the same year.

    .venv/bin/python benchmarks/order_list.py [--orders 2000000] [--small 20000] [--runs 20]

Runs in a throwaway test database on whatever DATABASE_URL points at (PostgreSQL is what the
targets are for). The orders are made by PostgreSQL itself (benchmarks/_seed.py: one INSERT ...
SELECT over generate_series), spread over a year, five panels and 1,000 services, mostly placed
and finished, as a busy reseller's would be. First a small seed, every n-th order of that year
(--small of them), then the rest, the indexes dropped and built again around it: every page is
measured on both, in one run. After each, the report totals are folded, as the beat task keeps
them on a live database.

Every page is rendered through Django's test Client, logged in, like a browser asks for it: the
list's views, filters, searches and sorts, its deep pages (the middle, reached by "Next" from
page to page, and the last), the rows partial it polls, and the overview.
Targets, at the full size: median under 150 ms and 95th percentile under 300 ms per page; and
the same number of queries per page at both sizes.
"""

from __future__ import annotations

import argparse
import gc
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._seed import PANELS, SERVICES_PER_PANEL, seed_orders
from benchmarks.report import figure, table

TARGET_MEDIAN_MS = 150.0
TARGET_P95_MS = 300.0


@dataclass
class Measured:
    label: str
    url: str
    queries: int
    slowest: float  # ms, the slowest query of one render
    times: list[float]  # ms per render
    size: int  # bytes

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.times, n=20)[-1] if len(self.times) > 1 else self.times[0]


def measure(client, label: str, url: str, runs: int) -> Measured:
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
    # The test environment's instrumented rendering keeps every render's template contexts
    # alive in this process (about 900 objects a request; none without it), so the cyclic
    # garbage collector's full passes grow over a run and land as lone pauses of several
    # hundred ms on whichever page is being timed. Collected between pages instead, not
    # during one page's renders: a server process has no such harness.
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return Measured(label, url, len(captured), slowest, times, len(response.content))


def keep_totals() -> float:
    """The report totals as a live database has them: the trigger logged a change row for
    every seeded order, which the beat task (`reports-totals-fold`, every minute by default)
    folds into the day tables, then converts the closed months. Left unfolded, the overview's
    profit would read every change row of the month so far, and grow with the day of the
    month. Seconds taken."""
    from django.db import connection

    from reports import totals_sql
    from reports.services import totals_keep

    started = time.perf_counter()
    totals_keep()
    with connection.cursor() as cursor:
        for table in (*totals_sql.DAY_TABLES, totals_sql.CHANGE, *totals_sql.MONTH_CACHE):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("CHECKPOINT")  # as after the seed: not in the middle of timed pages
    return time.perf_counter() - started


def pages(panels, services) -> list[tuple[str, Callable[[], str]]]:
    """The pages measured, each as (label, a function giving its URL for the orders there are
    now: the deep pages depend on them)."""
    import django.utils.timezone
    from django.urls import reverse

    from orders.list_sorts import key_text
    from orders.listing import PER_PAGE
    from orders.models import Order
    from orders.selectors import OrderFilters, order_key, order_search

    # Orders of the small seed (inserted first, so the lowest ids), so that the searches and
    # filters find them at both sizes.
    some = Order.objects.filter(state="placed").order_by("pk")[17]
    link_part = some.link.removeprefix("https://instagram.com/p/").rstrip("/")[:8]
    month_ago = django.utils.timezone.localdate() - timedelta(days=30)
    recent = Order.objects.filter(created_at__date__gte=month_ago).order_by("pk").first()
    service_id = recent.service_id if recent else services[7].pk

    def middle(sort: str) -> str:
        """The page "Next" reaches in the middle of the list: after the order there, with the
        place it is at (as the pager's link carries it)."""
        total = Order.objects.count()
        at = (total // 2) // PER_PAGE * PER_PAGE
        order = order_search(filters=OrderFilters(sort=sort))[at - 1]
        sorted_by = f"sort={sort}&" if sort != "-created" else ""
        return f"/orders/?{sorted_by}after={key_text(order_key(order, sort))}&at={at}"

    return [
        ("first page", lambda: "/orders/"),
        ("filtered: panel + state + status",
         lambda: f"/orders/?panel={panels[2].pk}&state=placed&status=in_progress"),
        ("filtered: service + last 30 days",
         lambda: f"/orders/?service={service_id}&from={month_ago.isoformat()}"),
        ("filtered: last 30 days", lambda: f"/orders/?from={month_ago.isoformat()}"),
        ("filtered: a panel status", lambda: "/orders/?status=partial"),
        ("filtered: needs attention", lambda: "/orders/?attention=yes"),
        ("filtered: source (no index)", lambda: "/orders/?source=mass"),
        ("filtered: a type no order has", lambda: "/orders/?type=package"),
        ("filtered: charge off the estimate", lambda: "/orders/?charge=yes"),
        ("search: part of a link", lambda: f"/orders/?q={link_part}"),
        ("search: panel order id", lambda: f"/orders/?q={some.remote_id}"),
        ("search: our #id", lambda: f"/orders/?q=%23{some.pk}"),
        ("sorted: charge, high to low", lambda: "/orders/?sort=-charge"),
        ("sorted: charge, low to high", lambda: "/orders/?sort=charge"),
        ("sorted: quantity, low to high", lambda: "/orders/?sort=quantity"),
        ("sorted: oldest first", lambda: "/orders/?sort=created"),
        ("deep page (middle)", lambda: middle("-created")),
        ("deep page (last)", lambda: "/orders/?page=last"),
        ("deep page by charge (middle)", lambda: middle("-charge")),
        ("htmx rows partial (poll)", lambda: "/orders/?state=placed&status=pending"),
        ("overview (spend chart)", lambda: reverse("overview")),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2_000_000, help="the full size")
    parser.add_argument(
        "--small", type=int, default=20_000, help="the small seed, measured first (0: none)"
    )
    parser.add_argument("--runs", type=int, default=20, help="timed renders per page")
    parser.add_argument(
        "--no-export", action="store_true", help="skip timing the CSV export of every order"
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
    from django.utils import timezone

    from orders.models import Order
    from panels.models import Panel, Service

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    small: dict[str, Measured] = {}
    full: list[Measured] = []
    export_seconds, exported = 0.0, 0
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
        pairs = [(s.pk, s.panel_id) for s in services]
        now = timezone.now()
        every = max(args.orders // args.small, 1) if args.small else 1
        client = Client()
        client.force_login(user)
        htmx = Client(headers={"HX-Request": "true", "HX-Trigger": "order-results"})
        htmx.force_login(user)

        def measure_all(runs: int) -> list[Measured]:
            found = []
            for label, url in pages(panels, services):
                which = htmx if label.startswith("htmx") else client
                found.append(measure(which, label, url(), runs))
            return found

        first = None
        if every > 1:
            first = seed_orders(args.orders, pairs, user.pk, every=every, now=now)
            print(f"small seed: {first.rows:,} orders (every {every}th) in {first.seconds:.1f} s")
            print(f"report totals folded in {keep_totals():.1f} s")
            small = {m.label: m for m in measure_all(max(args.runs // 4, 3))}
        seeded = seed_orders(
            args.orders, pairs, user.pk, every=every, rest=every > 1, now=now, rebuild_indexes=True
        )
        folded = keep_totals()
        total = Order.objects.count()
        seed_seconds = seeded.seconds + (first.seconds if first else 0)
        print(
            f"database: {connection.vendor} {connection.pg_version}; orders: {total:,}; "
            f"seeded in {seed_seconds:.0f} s (insert {seeded.insert:.0f} s, dropping and "
            f"building the indexes {seeded.indexes:.0f} s, VACUUM ANALYZE and CHECKPOINT "
            f"{seeded.vacuum:.0f} s"
            f"{f'; the small seed {first.seconds:.0f} s' if first else ''}); "
            f"report totals folded in {folded:.0f} s"
        )
        full = measure_all(args.runs)

        if not args.no_export:
            started = time.perf_counter()
            response = client.get("/orders/export.csv")
            exported = sum(chunk.count(b"\n") for chunk in response.streaming_content) - 1
            export_seconds = time.perf_counter() - started
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    small_size = f"{args.orders // every:,}" if small else ""
    print(f"{'page':34} {'queries':>15} {'slowest q':>9} {'median':>8} {'p95':>8} {'KB':>6}")
    if small:
        print(f"{'':34} {f'at {small_size} / {total:,}':>15}")
    headers = [
        "page",
        f"queries at {small_size} / {total:,}" if small else "queries",
        "slowest query ms",
        "median ms",
        "p95 ms",
        "KB",
    ]
    rows = []
    same = 0
    for m in full:
        before = small.get(m.label)
        queries = f"{before.queries} / {m.queries}" if before else str(m.queries)
        same += before is not None and before.queries == m.queries
        print(
            f"{m.label:34} {queries:>15} {m.slowest:>7.1f}ms {m.median:>6.1f}ms "
            f"{m.p95:>6.1f}ms {m.size / 1024:>6.0f}"
        )
        rows.append(
            [m.label, queries, f"{m.slowest:.1f}", f"{m.median:.1f}", f"{m.p95:.1f}",
             f"{m.size / 1024:.0f}"]
        )  # fmt: skip
    print("(queries include 2 for the session and user; render = the whole Django response)")
    if exported:
        print(f"CSV export of every order: {exported:,} rows in {export_seconds:.1f} s")
        rows.append(
            ["CSV export of every order", "", "", f"{export_seconds * 1000:.0f}", "",
             f"{exported:,} rows"]
        )  # fmt: skip
    table(
        f"Order list and overview over {total:,} orders (seeded in {seed_seconds:.0f} s; "
        "render = the whole Django response)",
        headers,
        rows,
    )
    figure(
        f"order list: seeding {total:,} orders",
        round(seed_seconds),
        unit="s",
        target="minutes (under 600 s)",
        met=seed_seconds < 600,
    )
    if small:
        figure(
            f"order list: pages with the same query count at {small_size} and {total:,} orders",
            f"{same} of {len(full)}",
            target="every page",
            met=same == len(full),
        )
    missed = 0
    for m in full:
        for what, value, target in (
            ("median", m.median, TARGET_MEDIAN_MS),
            ("p95", m.p95, TARGET_P95_MS),
        ):
            figure(
                f"order list, {m.label}: {what} render",
                round(value, 1),
                unit="ms",
                target=f"under {target:g} ms",
                met=value < target,
            )
        missed += m.median >= TARGET_MEDIAN_MS or m.p95 >= TARGET_P95_MS
    return 1 if missed or (small and same != len(full)) else 0


if __name__ == "__main__":
    sys.exit(main())
