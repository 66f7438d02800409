"""Money speed: report pages over 1,000,000 orders, and one panel's day of reconciliation.

    .venv/bin/python benchmarks/reports.py [--orders 1000000] [--readings 100000] [--runs 7]

Runs in a throwaway test database on DATABASE_URL (PostgreSQL). Orders go in with one
INSERT ... SELECT over generate_series: a year of placed orders over 20 panels billing in USD,
EUR and RUB, 5,000 services, 1,000 customers (a few of each take most orders), a sale price on
most and a refund on some, and a rate per currency and day; the trigger logs them and the
report totals are folded (reports/models.py) and the closed months converted ahead
(reports/months.py), as the periodic step does. Then 100,000 balance readings with weekly
top-ups (benchmarks/_balances.py). Each report page (this month, the page's default; the last
30 days, read from days; last month, read from its month; and a whole year; by day, panel,
service and customer) is rendered through Django's test Client, logged in, and the
same report is also summed from the orders, for comparison. Last, the ledger reconciles one
panel's day. Prints query counts, median and 90th percentile times.
Target: each page's and the reconciliation's median under 200 ms; query counts that do not
depend on the orders.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks.report import figure, table

TARGET_MEDIAN_MS = 200.0

PANELS, SERVICES_PER_PANEL, CUSTOMERS = 20, 250, 1000
CURRENCIES = ("USD", "EUR", "RUB")  # USD is the base


@dataclass(frozen=True)
class Seeded:
    seconds: float  # everything, the fold included
    folded: int  # change rows the trigger wrote for the new orders, folded into the totals
    fold_seconds: float
    months: int  # closed (dimension, month) pairs converted ahead (reports/months.py)
    months_seconds: float


def seed(orders: int) -> Seeded:
    """Panels, services, a year of daily rates and `orders` placed orders, with their report
    totals folded."""
    from django.db import connection
    from django.utils import timezone

    from currency.models import CurrencySettings, ExchangeRate
    from panels.models import Panel, Service
    from reports import totals_sql
    from reports.months import months_refresh
    from reports.services import totals_fold

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
        # Order n: created n/orders of a year ago (newest last), placed 3 s later, charge
        # 0.05..9.05, a sale price on 4 in 5, a refund on 1 in 10 (seen 2 days later). As in a
        # real shop, a few services and customers take most orders: service and customer are
        # drawn as u^4 of a pseudo-random u in [0, 1) (a third of the orders on the top 1 % of
        # services; every service and customer still appears).
        cursor.execute(
            """
            WITH s AS (SELECT id, panel_id,
                              row_number() OVER (ORDER BY remote_id, panel_id) - 1 AS k
                       FROM panels_service),
                 n AS (SELECT g AS n,
                              floor(%(services)s
                                    * power(((g::bigint * 7919) %% 10007) / 10007.0, 4))
                                  AS service_k,
                              floor(%(customers)s
                                    * power(((g::bigint * 4099 + 17) %% 10009) / 10009.0, 4))
                                  AS customer_k
                       FROM generate_series(0, %(orders)s - 1) AS g),
                 o AS (SELECT n.*, %(now)s - (%(orders)s - n) * (365 * interval '1 day')
                                       / %(orders)s AS created
                       FROM n)
            INSERT INTO orders_order (
                client_ref, panel_id, service_id, order_type, link, link_key, quantity, params,
                state, status, status_raw, remote_id, charge, estimated_cost, refund,
                refund_seen_at, sale_price, customer_ref, currency, source, created_at,
                updated_at, placed_at, last_error, error_reason, add_answer, late_remote_id,
                attention, stuck, replace_remains, raw_status, route, attempts)
            SELECT gen_random_uuid(), s.panel_id, s.id, 'default',
                   'https://instagram.com/p/' || o.n, 'instagram.com/p/' || o.n, 1000, '{}',
                   'placed', 'completed', 'Completed', o.n::text,
                   0.05 + (o.n %% 901) / 100.0, 0.05 + (o.n %% 901) / 100.0,
                   CASE WHEN o.n %% 10 = 0 THEN 0.01 * (o.n %% 50) END,
                   CASE WHEN o.n %% 10 = 0
                        THEN least(o.created + interval '2 days', %(now)s) END,
                   CASE WHEN o.n %% 5 <> 0 THEN 1.0 + (o.n %% 1200) / 100.0 END,
                   'customer-' || o.customer_k, '', 'form', o.created,
                   %(now)s, least(o.created + interval '3 seconds', %(now)s),
                   '', '', '', '', '', '', '', '{}', '{}', 1
            FROM o JOIN s ON s.k = o.service_k
            """,
            # Django's clock, not the database's: the pages ask for periods by Django's today
            {
                "orders": orders,
                "services": PANELS * SERVICES_PER_PANEL,
                "customers": CUSTOMERS,
                "now": timezone.now(),
            },
        )
    fold_started = time.perf_counter()
    folded = totals_fold()  # the trigger logged every order; the periodic fold would do this
    fold_seconds = time.perf_counter() - fold_started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE orders_order")
        for table in (*totals_sql.DAY_TABLES, totals_sql.CHANGE):
            cursor.execute(f"VACUUM ANALYZE {table}")
    months_started = time.perf_counter()
    months = months_refresh(today=timezone.localdate())  # the periodic step's second half
    months_seconds = time.perf_counter() - months_started
    with connection.cursor() as cursor:
        for table in totals_sql.MONTH_CACHE:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return Seeded(time.perf_counter() - started, folded, fold_seconds, months, months_seconds)


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


def from_orders(by: str, first, last, runs: int) -> list[float]:
    """The same report summed from the orders (what the pages did before the day totals)."""
    from reports.selectors import money_report

    money_report(by=by, first=first, last=last, from_totals=False)  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        money_report(by=by, first=first, last=last, from_totals=False)
        times.append((time.perf_counter() - started) * 1000)
    return times


def median_figure(name: str, times: list[float]) -> None:
    median = statistics.median(times)
    target = f"under {TARGET_MEDIAN_MS:g} ms"
    figure(name, round(median, 1), unit="ms", target=target, met=median < TARGET_MEDIAN_MS)


def p90(times: list[float]) -> float:
    return statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from benchmarks._balances import seed_readings, time_reconciliation

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    pages, naive = [], []
    try:
        user = User.objects.create_user("bench", password="x")  # noqa: S106 (a throwaway db)
        seeded = seed(args.orders)
        print(f"orders: {args.orders:,} over {PANELS} panels, {len(CURRENCIES)} currencies "
              f"(seeded in {seeded.seconds:.1f} s; the totals fold of their {seeded.folded:,} "
              f"changes took {seeded.fold_seconds:.1f} s; converting {seeded.months} closed "
              f"months by service and customer {seeded.months_seconds:.1f} s)")  # fmt: skip
        seconds = seed_readings(args.readings)
        print(f"balance readings: {args.readings:,} and weekly top-ups (seeded in {seconds:.1f} s)")
        today = timezone.localdate()
        last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        periods = {  # (first, last): the page's default, days only, one closed month, a year
            "this month": (today.replace(day=1), today),
            "last 30 days": (today - timedelta(days=29), today),
            "last month": (last_month, today.replace(day=1) - timedelta(days=1)),
            "a year": (today - timedelta(days=364), today),
        }
        reports = [
            (period, by) for period in periods for by in ("day", "panel", "service", "customer")
        ]
        client = Client()
        client.force_login(user)
        for period, by in reports:
            first, last = periods[period]
            url = f"/reports/?by={by}&start={first}&end={last}"
            pages.append((f"{period} by {by}", *measure(client, url, args.runs)))
            naive.append(from_orders(by, first, last, args.runs))
        reconciliation = time_reconciliation(args.runs)
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    rows = []
    for (label, queries, times), summed in zip(pages, naive, strict=True):
        median = statistics.median(times)
        print(f"{label:30} {queries:>3} queries  median {median:7.1f} ms  p90 {p90(times):7.1f} ms"
              f"  (summed from the orders: {statistics.median(summed):7.1f} ms)")  # fmt: skip
        rows.append([label, queries, f"{median:.1f}", f"{p90(times):.1f}",
                     f"{statistics.median(summed):.1f}"])  # fmt: skip
    table(
        f"Report pages over {args.orders:,} orders (render = the whole Django response; the "
        "last column: the same report summed from the orders instead of the day totals)",
        ["page", "queries", "median ms", "p90 ms", "from the orders ms"],
        rows,
    )
    queries, times, label = reconciliation
    median = statistics.median(times)
    print(f"reconciliation of {label}: {queries} queries  median {median:.1f} ms  "
          f"p90 {p90(times):.1f} ms")  # fmt: skip
    median_figure(f"reconciliation of one panel's day ({queries} queries): median", times)
    for page, _queries, page_times in pages:
        median_figure(f"reports, {page}: median render", page_times)
    return 0


if __name__ == "__main__":
    sys.exit(main())
