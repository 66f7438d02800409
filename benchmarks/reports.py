"""Reports speed: spend, sales and profit pages over 1,000,000 orders, 20 panels, 3 currencies.

    .venv/bin/python benchmarks/reports.py [--orders 1000000] [--runs 7]

Runs in a throwaway test database on DATABASE_URL (PostgreSQL). Orders go in with one
INSERT ... SELECT over generate_series: a year of placed orders over 20 panels billing in USD,
EUR and RUB, 5,000 services, 1,000 customers, a sale price on most and a refund on some, and a
rate per currency and day. Each report page (the last 30 days by day, panel, service and
customer, and a whole year by day) is rendered through Django's test Client, logged in.
Prints each page's SQL query count and median and 90th percentile render time.
Target: each page's median under 200 ms; the query count does not depend on the orders.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks.report import figure, table

TARGET_MEDIAN_MS = 200.0

# Not in the models (yet): what --proposed-indexes adds, to measure what it would change.
PROPOSED_INDEXES = (
    # placed orders by day with every column a report sums: read from the index alone
    "CREATE INDEX bench_order_report ON orders_order (created_at) INCLUDE (panel_id, "
    "service_id, customer_ref, currency, charge, estimated_cost, refund, sale_price) "
    "WHERE state = 'placed'",
)
PANELS, SERVICES_PER_PANEL, CUSTOMERS = 20, 250, 1000
CURRENCIES = ("USD", "EUR", "RUB")  # USD is the base


def seed(orders: int) -> float:
    """Panels, services, a year of daily rates and `orders` placed orders; seconds taken."""
    from django.db import connection
    from django.utils import timezone

    from currency.models import CurrencySettings, ExchangeRate
    from panels.models import Panel, Service

    started = time.perf_counter()
    CurrencySettings(pk=1, base_currency="USD").save()
    panels = []
    for n in range(PANELS):
        panel = Panel(
            name=f"Bench Panel {n:02}",
            api_url=f"https://p{n}.example/api/v2",
            currency=CURRENCIES[n % len(CURRENCIES)],
        )
        panel.api_key = "k"
        panel.save()
        panels.append(panel)
    Service.objects.bulk_create(
        Service(panel=panel, remote_id=str(s), name=f"Followers #{s}", rate="1.20", category="IG")
        for panel in panels
        for s in range(SERVICES_PER_PANEL)
    )
    today = timezone.localdate()
    ExchangeRate.objects.bulk_create(
        ExchangeRate(day=today - timedelta(days=d), base="USD", currency=c, rate=rate)
        for d in range(400)
        for c, rate in (("EUR", "0.92"), ("RUB", "98.5"))
    )
    with connection.cursor() as cursor:
        # Order n: service n mod services (consecutive orders on different panels), created
        # n/orders of a year ago (newest last), charge 0.05..9.05, a sale price on 4 in 5, a
        # refund on 1 in 10.
        cursor.execute(
            """
            WITH s AS (SELECT id, panel_id,
                              row_number() OVER (ORDER BY remote_id, panel_id) - 1 AS k
                       FROM panels_service),
                 n AS (SELECT g AS n FROM generate_series(0, %(orders)s - 1) AS g)
            INSERT INTO orders_order (
                client_ref, panel_id, service_id, order_type, link, link_key, quantity, params,
                state, status, status_raw, remote_id, charge, estimated_cost, refund,
                refund_seen_at, sale_price, customer_ref, currency, source, created_at,
                updated_at, placed_at, last_error, error_reason, add_answer, late_remote_id,
                attention, raw_status, attempts)
            SELECT gen_random_uuid(), s.panel_id, s.id, 'default',
                   'https://instagram.com/p/' || n.n, 'instagram.com/p/' || n.n, 1000, '{}',
                   'placed', 'completed', 'Completed', n.n::text,
                   0.05 + (n.n %% 901) / 100.0, 0.05 + (n.n %% 901) / 100.0,
                   CASE WHEN n.n %% 10 = 0 THEN 0.01 * (n.n %% 50) END,
                   CASE WHEN n.n %% 10 = 0 THEN %(now)s END,
                   CASE WHEN n.n %% 5 <> 0 THEN 1.0 + (n.n %% 1200) / 100.0 END,
                   'customer-' || (n.n %% %(customers)s), '', 'form',
                   %(now)s - (%(orders)s - n.n) * (365 * interval '1 day') / %(orders)s,
                   %(now)s, %(now)s, '', '', '', '', '', '{}', 1
            FROM n JOIN s ON s.k = n.n %% (SELECT count(*) FROM s)
            """,
            # Django's clock, not the database's: the pages ask for periods by Django's today
            {"orders": orders, "customers": CUSTOMERS, "now": timezone.now()},
        )
        cursor.execute("VACUUM ANALYZE orders_order")
    return time.perf_counter() - started


def measure(client, url: str, runs: int) -> tuple[int, list[float]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(2):  # warm up: templates, caches, the database's buffers
        client.get(url)
    with CaptureQueriesContext(connection) as capture:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries = len(capture.captured_queries)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    return queries, times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN)")
    parser.add_argument("--proposed-indexes", action="store_true", help="add PROPOSED_INDEXES")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    results = []
    try:
        user = User.objects.create_user("bench", password="x")  # noqa: S106 (a throwaway db)
        seconds = seed(args.orders)
        if args.proposed_indexes:
            with connection.cursor() as cursor:
                for sql in PROPOSED_INDEXES:
                    cursor.execute(sql)
                cursor.execute("VACUUM ANALYZE orders_order")
        print(f"orders: {args.orders:,} over {PANELS} panels, {len(CURRENCIES)} currencies "
              f"(seeded in {seconds:.1f} s)")  # fmt: skip
        today = timezone.localdate()
        month = f"start={today - timedelta(days=29)}&end={today}"
        year = f"start={today - timedelta(days=364)}&end={today}"
        pages = (
            ("last 30 days by day", f"/reports/?by=day&{month}"),
            ("last 30 days by panel", f"/reports/?by=panel&{month}"),
            ("last 30 days by service", f"/reports/?by=service&{month}"),
            ("last 30 days by customer", f"/reports/?by=customer&{month}"),
            ("a year by day", f"/reports/?by=day&{year}"),
        )
        client = Client()
        client.force_login(user)
        for label, url in pages[: 1 if args.keep else None]:
            queries, times = measure(client, url, args.runs)
            results.append((label, queries, times))
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    rows = []
    for label, queries, times in results:
        median = statistics.median(times)
        p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
        print(f"{label:28} {queries:>3} queries  median {median:7.1f} ms  p90 {p90:7.1f} ms")
        rows.append([label, queries, f"{median:.1f}", f"{p90:.1f}"])
    table(
        f"Report pages over {args.orders:,} orders (render = the whole Django response)",
        ["page", "queries", "median ms", "p90 ms"],
        rows,
    )
    for label, _queries, times in results:
        median = statistics.median(times)
        figure(
            f"reports, {label}: median render",
            round(median, 1),
            unit="ms",
            target=f"under {TARGET_MEDIAN_MS:g} ms",
            met=median < TARGET_MEDIAN_MS,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
