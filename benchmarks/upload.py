"""Uploads, the whole path: a 20,000-row CSV checked (the preview), then submitted until every
order is in the database as QUEUED.

    .venv/bin/python benchmarks/upload.py [--rows 20000] [--small 200] [--naive 2000]

What a user does, timed: the file is read and checked (`upload_check`, which saves the
previewed upload), then queued (`upload_submit`, which returns once its transaction has
committed every order). The panels' dispatchers are woken after that commit (one wake-up per
panel): here each wake-up is recorded, not sent, so nothing is placed; the clock stops when
the orders are queued and committed.

The rows are what a reseller sends: 3 panels with 500 services each (one billing in euros,
converted at today's rate); plain rows, custom
comments, drip-feed (runs and interval), some with their own sale price and customer, the
others priced by a price rule; every twentieth row routed (`route` = best) to the cheapest
panel selling its offer; some held back: a row repeating the row above it, a link with an
active order already, a quantity under the service's minimum; and five links that get an
active order between the check and the submit (another person's order meanwhile), refused at
submit. The check and the submit are also run on a small file built the same way (the same
panels and offers), to count their SQL queries at both sizes; and the naive submit, one
`order_create` (its savepoint and INSERT) per row as the submit did before, on a smaller file,
scaled up. Beside each time, this process's CPU time (the database server's is not in it) and
the load average: other work on the machine slows the times down, not the queries.

Runs in a throwaway test database on whatever DATABASE_URL points at (PostgreSQL is what the
targets are for).
Targets: check + submit of 20,000 rows under 10 s; the queries of the check and of the submit
the same for a small file as for 20,000 rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks.report import figure, table

TARGET_SECONDS = 10.0
PANELS = 3
SERVICES = 500
# Remote ids of the services sold by every panel as one offer (routed rows name them).
OFFER_IDS = (1, 2, 3, 4, 6)
HEADER = "panel,service,link,quantity,runs,interval,comments,sale_price,customer,route"
ARRIVING = 5  # links that get an active order between the check and the submit


def service_kind(remote_id: int) -> str:
    """custom comments for every tenth service, drip-feed for the fifth of each ten."""
    if remote_id % 10 == 0:
        return "comments"
    return "dripfeed" if remote_id % 10 == 5 else "plain"


def make_csv(rows: int, tag: str) -> tuple[bytes, list[str]]:
    """The file, and the links that have an active order before it is checked."""
    lines, busy = [HEADER], []
    for n in range(rows):
        if n % 250 == 249:  # the row above, again: held back as the same purchase
            lines.append(lines[-1])
            continue
        panel = n % PANELS
        link = f"https://instagram.com/p/{tag}{n}"
        route = ""
        if n % 20 == 3:  # routed: the offer, on the cheapest panel selling it
            remote_id, route = OFFER_IDS[(n // 20) % len(OFFER_IDS)], "best"
        else:
            remote_id = (n // PANELS) % SERVICES + 1
        kind = service_kind(remote_id)
        quantity = str(100 + n % 900) if kind != "comments" else ""
        if n % 500 == 7 and kind != "comments":
            quantity = "5"  # under the service's minimum
        runs = interval = comments = ""
        if kind == "dripfeed" and n % 2:
            runs, interval = "3", "30"
        if kind == "comments":
            comments = '"Nice\nGreat post\nWow"'
        sale, customer = ("2.50", f"client-{n % 50}") if n % 4 == 0 else ("", "")
        if n % 100 == 50:
            busy.append(link)
        cells = (f"Bench {panel}", remote_id, link, quantity, runs, interval, comments, sale)
        lines.append(",".join(str(c) for c in (*cells, customer, route)))
    return ("\n".join(lines) + "\n").encode(), busy


@dataclass
class Run:
    rows: int
    check_s: float = 0.0
    check_queries: int = 0
    submit_s: float = 0.0
    submit_queries: int = 0
    check_cpu: float = 0.0  # this process's CPU time (the database server's is not in it)
    submit_cpu: float = 0.0
    valid: int = 0
    invalid: int = 0
    created: int = 0
    queued: int = 0
    refused: int = 0
    routed: int = 0
    wakeups: list[int] = field(default_factory=list)

    @property
    def total_s(self) -> float:
        return self.check_s + self.submit_s


def seed() -> tuple[list, object]:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from currency.models import ExchangeRate
    from orders.price_models import PriceRule
    from panels.models import Panel, Service

    # The last panel bills in euros: its costs are converted at today's rate.
    ExchangeRate.objects.create(
        day=timezone.localdate(), base="USD", currency="EUR", rate=Decimal("0.92")
    )
    panels = []
    for p in range(PANELS):
        panel = Panel(
            name=f"Bench {p}",
            api_url=f"https://bench{p}.example/api/v2",
            currency="EUR" if p == PANELS - 1 else "USD",
            balance=Decimal("100000"),
        )
        panel.api_key = "bench"
        panel.save()
        panels.append(panel)
        services = []
        for i in range(1, SERVICES + 1):
            kind = service_kind(i)
            services.append(
                Service(
                    panel=panel,
                    remote_id=str(i),
                    name=f"Service {i}",
                    rate=Decimal("0.5") + Decimal((i + p) % PANELS) / 5,
                    min_quantity=1 if kind == "comments" else 10,
                    max_quantity=100_000,
                    type="custom_comments" if kind == "comments" else "default",
                    dripfeed=kind == "dripfeed",
                    match_key=f"instagram|bench{i}|default|" if i in OFFER_IDS else "",
                )
            )
        Service.objects.bulk_create(services)
    PriceRule.objects.create(scope=PriceRule.Scope.DEFAULT, markup_percent=Decimal("30"))
    user = get_user_model().objects.create_user("bench")
    return panels, user


def hold_links(links: list[str], panels: list) -> None:
    """An active order (placed, pending) on each link, on every panel: made elsewhere."""
    from orders.links import target_key
    from orders.models import Order
    from panels.models import Service

    first = {s.panel_id: s for s in Service.objects.filter(remote_id="7")}
    Order.objects.bulk_create(
        Order(
            panel=panel,
            service=first[panel.pk],
            link=link,
            link_key=target_key(link=link),
            quantity=100,
            state=Order.State.PLACED,
            status="pending",
            remote_id=f"held-{link}",
            source=Order.Source.FORM,
        )
        for link in links
        for panel in panels
    )


class Queries:
    """Counts the SQL statements run inside it (no cap, no copy of each statement)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self) -> Queries:
        from django.db import connection

        self._wrapped = connection.execute_wrapper(self)
        self._wrapped.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._wrapped.__exit__(*exc)


def measure(rows: int, tag: str, panels: list, user: object, wakeups: list[int]) -> Run:
    from orders.models import Order
    from orders.services.uploads import upload_check, upload_submit

    data, busy = make_csv(rows, tag)
    hold_links(busy, panels)
    run = Run(rows)
    with Queries() as queries:
        started, cpu = time.perf_counter(), time.process_time()
        upload = upload_check(kind="csv", data=data, filename=f"{tag}.csv", user=user)
        run.check_s = time.perf_counter() - started
        run.check_cpu = time.process_time() - cpu
    run.check_queries = queries.count
    run.valid, run.invalid = upload.rows_valid, upload.rows_invalid
    run.routed = sum(1 for entry in upload.valid_rows if entry.get("route"))
    # Meanwhile, someone orders five of the file's links: refused when the rows are queued.
    step = max(len(upload.valid_rows) // ARRIVING, 1)
    arriving = [e["link"] for e in upload.valid_rows[::step][:ARRIVING] if not e.get("route")]
    hold_links(arriving, panels)
    del wakeups[:]
    with Queries() as queries:
        started, cpu = time.perf_counter(), time.process_time()
        run.created = upload_submit(upload=upload, user=user)
        run.submit_s = time.perf_counter() - started
        run.submit_cpu = time.process_time() - cpu
    run.submit_queries = queries.count
    run.wakeups = sorted(wakeups)
    run.refused = sum(1 for row in upload.invalid_rows if row.get("at_submit"))
    run.queued = Order.objects.filter(upload=upload, state=Order.State.QUEUED).count()
    return run


def naive_submit(rows: int, tag: str, panels: list, user: object) -> tuple[float, float, int, int]:
    """The rows of a checked file queued the way the submit did before it inserted them
    together: one `order_create` each (its savepoint, its INSERT), a routed row routed on its
    own, in one transaction. (seconds, CPU seconds, orders, queries)."""
    from django.db import transaction

    from orders.models import Order
    from orders.routing import Policy
    from orders.services.create import order_create
    from orders.services.failover import order_create_routed
    from orders.services.uploads import upload_check
    from panels.models import Service

    data, busy = make_csv(rows, tag)
    hold_links(busy, panels)
    upload = upload_check(kind="csv", data=data, filename=f"{tag}.csv", user=user)
    with Queries() as queries:
        started, cpu = time.perf_counter(), time.process_time()
        with transaction.atomic():
            services = Service.objects.select_related("panel").in_bulk(
                {e["service_id"] for e in upload.valid_rows}
            )
            for entry in upload.valid_rows:
                create = {
                    "values": entry["values"],
                    "source": Order.Source.CSV,
                    "placed_by": user,
                    "upload": upload,
                    "upload_row": entry["row"],
                    "dispatch": False,
                }
                if entry.get("route"):
                    order_create_routed(match_key=entry["route"]["key"], policy=Policy(), **create)
                else:
                    order_create(service=services[entry["service_id"]], **create)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    return seconds, cpu, len(upload.valid_rows), queries.count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=200)
    parser.add_argument("--naive", type=int, default=2_000, help="rows of the naive submit")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment

    from orders.services import create

    setup_test_environment()
    settings.UPLOAD_MAX_ROWS = max(args.rows, settings.UPLOAD_MAX_ROWS)
    wakeups: list[int] = []
    create._enqueue_dispatch = wakeups.append  # type: ignore[assignment] # recorded, not sent
    load_before = os.getloadavg()[0]
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        panels, user = seed()
        small = measure(args.small, "s", panels, user, wakeups)
        big = measure(args.rows, "b", panels, user, wakeups)
        naive = naive_submit(args.naive, "n", panels, user) if args.naive else None
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    load_after = os.getloadavg()[0]

    print(
        f"database: {connection.vendor}; {PANELS} panels, {SERVICES} services each; load "
        f"average (1 min) before / after: {load_before:.2f} / {load_after:.2f}"
    )
    for r in (small, big):
        print(
            f"{r.rows} rows: {r.valid} valid ({r.routed} routed), {r.invalid} held back at the "
            f"check; {r.refused} refused at submit; {r.created} queued"
        )
    head = ["step", "rows", "orders", "seconds", "CPU s", "queries"]
    lines: list[list[object]] = []

    def line(
        step: str, rows: int, orders: object, seconds: float, cpu: float, queries: int
    ) -> None:
        lines.append([step, rows, orders, f"{seconds:.2f}", f"{cpu:.2f}", queries])

    for r in (small, big):
        line(f"check {r.rows:,}", r.rows, "", r.check_s, r.check_cpu, r.check_queries)
        line(f"submit {r.rows:,}", r.rows, r.created, r.submit_s, r.submit_cpu, r.submit_queries)
    line(
        "check + submit", big.rows, big.created, big.total_s, big.check_cpu + big.submit_cpu,
        big.check_queries + big.submit_queries,
    )  # fmt: skip
    speedup = 0.0
    if naive is not None:
        seconds, cpu, orders, queries = naive
        scale = big.created / orders
        speedup = seconds * scale / big.submit_s
        line("naive submit, sample (measured)", args.naive, orders, seconds, cpu, queries)
        line(
            f"naive submit, {big.created:,} orders (extrapolated)", args.rows, big.created,
            seconds * scale, cpu * scale, round(queries * scale),
        )  # fmt: skip
    shown: list[list[object]] = [list(head), *lines]
    widths = [max(len(str(row[i])) for row in shown) for i in range(len(head))]
    for row in shown:
        first, *rest = (str(c) for c in row)
        cells = [f"{c:>{w}}" for c, w in zip(rest, widths[1:], strict=True)]
        print("  ".join([f"{first:<{widths[0]}}", *cells]))

    every_row_queued = big.queued == big.created == big.valid - big.refused
    print(
        f"every valid row queued once: {big.queued} queued = {big.created} created = "
        f"{big.valid} valid - {big.refused} refused at submit: {every_row_queued}; "
        f"dispatchers woken after the commit (panel ids): {big.wakeups}"
    )
    met_time = big.total_s < TARGET_SECONDS and every_row_queued
    same_check = small.check_queries == big.check_queries
    same_submit = small.submit_queries == big.submit_queries
    print(
        f"target: check + submit of {args.rows} rows under {TARGET_SECONDS:g} s: "
        f"{'MET' if met_time else 'NOT MET'} ({big.total_s:.2f} s); the same queries for "
        f"{args.small} and {args.rows} rows: check {'MET' if same_check else 'NOT MET'} "
        f"({small.check_queries} vs {big.check_queries}), submit "
        f"{'MET' if same_submit else 'NOT MET'} ({small.submit_queries} vs {big.submit_queries})"
    )
    table(
        f"Upload: check, then submit ({PANELS} panels, {SERVICES} services each; load average "
        f"before / after: {load_before:.2f} / {load_after:.2f})",
        head,
        lines,
    )
    figure(
        f"upload: check + submit of {args.rows:,} rows, until every order is queued",
        round(big.total_s, 2),
        unit="s",
        target=f"under {TARGET_SECONDS:g} s",
        met=met_time,
    )
    figure(
        f"upload check: queries for {args.small:,} vs {args.rows:,} rows",
        f"{small.check_queries} vs {big.check_queries}",
        target="the same",
        met=same_check,
    )
    figure(
        f"upload submit: queries for {args.small:,} vs {args.rows:,} rows",
        f"{small.submit_queries} vs {big.submit_queries}",
        target="the same",
        met=same_submit,
    )
    if naive is not None:
        figure(
            "upload submit: together vs naive (one order_create per row)",
            f"{speedup:.1f} x faster",
            target="faster (for comparison)",
            met=speedup > 1,
        )
    return 0 if met_time and same_check and same_submit else 1


if __name__ == "__main__":
    sys.exit(main())
