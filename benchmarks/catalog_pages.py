"""Catalog pages over 100,000 services: the browser's search and filters, a service's comparison,
the changes feed.

    .venv/bin/python benchmarks/catalog_pages.py [--panels 20] [--services 5000] [--runs 15]

Runs in a throwaway test database on PostgreSQL (DATABASE_URL). 20 panels list 5,000 services
each: the simulator's synthetic catalogs in its three naming styles, stored as a sync stores
them (benchmarks/_catalog_seed.py), with 90 days of price changes and other catalog events.
Every page is rendered through Django's test Client, logged in. First with 25 services a panel,
to count each page's queries, then with the whole catalog: queries again (they must not grow),
median and 95th percentile render time.
Targets: median under 150 ms for every page; the same query count at both sizes.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._catalog_seed import create_panels, seed_catalog, seed_history
from benchmarks.order_list import measure as timed
from benchmarks.report import figure, table

RATES_TABLE = "currency_exchangerate"


def measure(client, url: str, runs: int) -> tuple[int, float, list[float], int, int]:
    """As order_list's (queries, slowest query ms, render times ms, bytes), and how many of the
    queries read exchange rates: a page reads them only when it shows a rate in another
    currency than the base, which depends on the rows shown, not on the catalog's size."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    found = timed(client, url, url, runs)
    queries, slowest, times, size = found.queries, found.slowest, found.times, found.size
    with CaptureQueriesContext(connection) as capture:
        client.get(url)
    rates = sum(RATES_TABLE in q["sql"] for q in capture.captured_queries)
    return queries, slowest, times, size, rates


TARGET_MEDIAN_MS = 150.0
SMALL = 25  # services a panel when the queries are first counted
EVENTS_PER_SERVICE = 4  # catalog changes of each service over 90 days


def pages(panel_pk: int, service, remote_id: str) -> list[tuple[str, str]]:
    """(label, URL) of every page measured; each exists at both sizes."""
    return [
        ("browser: first page", "/catalog/"),
        ("search: one common word", "/catalog/?q=followers"),
        ("search: three words", "/catalog/?q=instagram+likes+real"),
        ("search: the panel's service id", f"/catalog/?q={remote_id}"),
        ("search: nothing matches", "/catalog/?q=zzzqx"),
        ("search as you type (htmx)", "/catalog/?q=tiktok+views&page=2"),
        ("filter: panel", f"/catalog/?panel={panel_pk}"),
        ("filter: panel + category", f"/catalog/?panel={panel_pk}&category={service.category}"),
        ("filter: category", f"/catalog/?category={service.category}"),
        ("filter: type", "/catalog/?type=package"),
        ("filter: refill", "/catalog/?refill=yes"),
        ("filter: cancel", "/catalog/?cancel=no"),
        ("filter: drip-feed", "/catalog/?dripfeed=yes"),
        ("sort: rate, low to high", "/catalog/?sort=rate"),
        ("sort: max, high to low", "/catalog/?sort=-max&refill=yes"),
        ("sort: panel", "/catalog/?sort=panel"),
        ("deep page (last)", "/catalog/?page=99999"),
        ("a service's comparison", f"/catalog/{service.pk}/"),
        ("changes feed: last 7 days", "/catalog/changes/"),
        ("changes feed: 30 days, prices", "/catalog/changes/?days=30&kind=rate_changed"),
        ("changes feed: 30 days, removed", "/catalog/changes/?days=30&kind=removed"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=20)
    parser.add_argument("--services", type=int, default=5000, help="services a panel")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the test database")
    args = parser.parse_args()

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from panels.models import CatalogEvent, Service

    if connection.vendor != "postgresql":
        print("This benchmark needs PostgreSQL: set DATABASE_URL=postgres://...", file=sys.stderr)
        return 2
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    small_counts: dict[str, int] = {}
    results = []
    try:
        user = User.objects.create_user("bench", password=secrets.token_urlsafe())
        panels = create_panels(args.panels)
        seed_catalog(panels, 0, SMALL)
        seed_history(EVENTS_PER_SERVICE)
        first = panels[0]
        keys = Counter(
            Service.objects.filter(panel=first, is_active=True)
            .exclude(match_key="")
            .values_list("match_key", flat=True)
        )
        service = (
            Service.objects.filter(panel=first, is_active=True, match_key=keys.most_common(1)[0][0])
            .order_by("pk")
            .first()
        )
        assert service is not None
        # An id as people look one up: a few digits (one or two characters match half the names).
        remote_id = max(
            Service.objects.filter(is_active=True).values_list("remote_id", flat=True), key=len
        )
        client = Client()
        client.force_login(user)
        htmx = Client(
            headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/catalog/"}
        )
        htmx.force_login(user)

        def which(label: str) -> Client:
            return htmx if "htmx" in label else client

        for label, url in pages(first.pk, service, remote_id):
            found = measure(which(label), url, 1)
            small_counts[label] = found[0] - found[4]

        last_id = Service.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        seconds = seed_catalog(panels, SMALL, args.services)
        _made, history_seconds = seed_history(EVENTS_PER_SERVICE, after=last_id)
        total = Service.objects.count()
        events = CatalogEvent.objects.count()
        offers = Service.objects.filter(match_key=service.match_key, is_active=True).count()
        print(
            f"database: {connection.vendor} {connection.pg_version}; services: {total:,} "
            f"(COPY + VACUUM ANALYZE: {seconds:.1f} s); catalog events: {events:,} "
            f"({history_seconds:.1f} s); the compared service's offer has {offers} services"
        )
        for label, url in pages(first.pk, service, remote_id):
            queries, slowest, times, size, rates = measure(which(label), url, args.runs)
            results.append((label, url, queries - rates, slowest, times, size))
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)

    rows = []
    print(f"{'page':34} {'q small':>7} {'q 100k':>7} {'slowest q':>9} {'median':>8} {'p95':>8}")
    for label, _url, queries, slowest, times, size in results:
        median = statistics.median(times)
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        print(
            f"{label:34} {small_counts[label]:>7} {queries:>7} {slowest:>7.1f}ms "
            f"{median:>6.1f}ms {p95:>6.1f}ms"
        )
        rows.append(
            [label, small_counts[label], queries, f"{slowest:.1f}", f"{median:.1f}", f"{p95:.1f}",
             f"{size / 1024:.0f}"]
        )  # fmt: skip
    print(
        "(queries include 2 for the session and user, not the exchange rates' one, read when a "
        "page shows another currency than the base; render = the whole Django response)"
    )
    table(
        f"Catalog pages over {total:,} services, {len(panels)} panels, {events:,} catalog events",
        ["page", f"queries ({SMALL}/panel)", "queries", "slowest query ms", "median ms",
         "p95 ms", "KB"],
        rows,
    )  # fmt: skip
    grew = [label for label, _u, queries, *_ in results if queries > small_counts[label]]
    figure(
        "catalog pages: query count, small catalog vs 100k services",
        f"{len(grew)} of {len(results)} pages grew",
        target="none grows",
        met=not grew,
    )
    for label, _url, _queries, _slowest, times, _size in results:
        median = statistics.median(times)
        figure(
            f"catalog, {label}: median render",
            round(median, 1),
            unit="ms",
            target=f"under {TARGET_MEDIAN_MS:g} ms",
            met=median < TARGET_MEDIAN_MS,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
