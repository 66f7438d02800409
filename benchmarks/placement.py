"""Placement throughput against the panels' limit: queued orders sent by real Celery workers.

Nothing places faster than the panels allow: with P panels, each taking c orders at a time
(PANEL_MAX_CONCURRENCY) and answering in L seconds, the ideal is P·c/L orders per second.
10,000 queued orders over 5 simulated panels (each a process of its own) answering in 100 ms,
c = 2, sent by one `celery worker` process (prefork, P·c + 2 children) over a private Redis and
PostgreSQL: the time until every order is placed, beside the ideal. The same with answers in
0 ms says what the dashboard itself costs per order: orders per second per worker process.

The orders are queued as an upload queues them, then one dispatcher per panel is woken, as an
upload or the dispatch sweep does.

    .venv/bin/python benchmarks/placement.py [--orders 10000] [--panels 5] [--latency-ms 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._fault_processes import KEY, Simulator, Worker  # noqa: E402
from benchmarks._stack import private_stack  # noqa: E402
from benchmarks.report import figure, table  # noqa: E402

CONCURRENCY = 2  # PANEL_MAX_CONCURRENCY: orders one panel takes at a time
TARGET_SHARE = 0.9  # of the ideal rate


def queue_orders(panels: list, count: int) -> list[int]:
    """`count` queued orders spread over the panels, as an upload leaves them."""
    from orders.links import target_key
    from orders.models import Order
    from panels.models import Service

    services = []
    for panel in panels:
        service = (
            Service.objects.filter(panel=panel, type="default", dripfeed=False)
            .filter(min_quantity__lte=100, max_quantity__gte=100)
            .order_by("pk")
            .first()
        )
        assert service is not None, f"{panel.name} has no default service taking 100"
        services.append(service)
    rows = [
        Order(
            panel=services[n % len(services)].panel,
            service=services[n % len(services)],
            order_type="default",
            link=f"https://instagram.com/p/bench{n}",
            link_key=target_key(link=f"https://instagram.com/p/bench{n}"),
            quantity=100,
            state=Order.State.QUEUED,
        )
        for n in range(count)
    ]
    return [order.pk for order in Order.objects.bulk_create(rows, batch_size=2000)]


def place_all(panels: list, count: int) -> float:
    """Seconds from waking one dispatcher per panel until `count` orders are placed."""
    from orders.models import Order
    from orders.tasks import dispatch_panel

    started = time.perf_counter()
    for panel in panels:
        dispatch_panel.delay(panel.pk)
    deadline = started + 1800
    while True:
        left = Order.objects.exclude(state=Order.State.PLACED).count()
        if left == 0:
            return time.perf_counter() - started
        stuck = Order.objects.exclude(
            state__in=[Order.State.PLACED, Order.State.QUEUED, Order.State.SUBMITTING]
        ).count()
        if stuck or time.perf_counter() > deadline:
            raise SystemExit(f"{stuck} orders ended other than placed; {left} not placed")
        time.sleep(0.25)


def run(workdir: Path, *, orders: int, panels: int, latency_ms: int) -> float:
    """Seconds to place `orders` through panels answering in `latency_ms`."""
    from django.db import connection

    from benchmarks._fault_processes import database_url
    from orders.models import Order
    from panels.models import Panel
    from panels.services import catalog_sync, panel_create

    Order.objects.all().delete()
    Panel.objects.all().delete()
    sims = [Simulator(workdir, f"{latency_ms}ms-{n}", latency_ms=latency_ms) for n in range(panels)]
    try:
        made = []
        for n, sim in enumerate(sims):
            panel = panel_create(name=f"Bench {n}", api_url=sim.api_url("base"), api_key=KEY)
            catalog_sync(panel=panel)
            made.append(panel)
        queue_orders(made, orders)
        env = {
            **os.environ,
            "DATABASE_URL": database_url(connection.settings_dict),
            "PANEL_MAX_CONCURRENCY": str(CONCURRENCY),
            "PANEL_HTTP_RETRIES": "0",
            "LOG_LEVEL": "WARNING",
        }
        log = workdir / f"worker-{latency_ms}ms.log"
        worker = Worker(env, log, f"placement{latency_ms}", concurrency=panels * CONCURRENCY + 2)
        try:
            worker.wait_ready(0)
            return place_all(made, orders)
        finally:
            worker.stop()
    finally:
        for sim in sims:
            sim.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--panels", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--own-cost-orders", type=int, default=3_000)
    args = parser.parse_args()

    with private_stack("placement") as (workdir, _redis):
        seconds = run(workdir, orders=args.orders, panels=args.panels, latency_ms=args.latency_ms)
        own = run(workdir, orders=args.own_cost_orders, panels=args.panels, latency_ms=0)

    ideal_rate = args.panels * CONCURRENCY / (args.latency_ms / 1000)
    rate = args.orders / seconds
    share = rate / ideal_rate
    own_rate = args.own_cost_orders / own
    print(
        f"{args.orders:,} orders, {args.panels} panels answering in {args.latency_ms} ms, "
        f"c = {CONCURRENCY}: placed in {seconds:.1f} s = {rate:.1f} orders/s; the ideal "
        f"{ideal_rate:.0f} orders/s would take {args.orders / ideal_rate:.1f} s ({share:.0%})"
    )
    print(f"answers in 0 ms: {args.own_cost_orders:,} orders in {own:.1f} s = {own_rate:.0f}/s")
    table(
        "Placement through one worker process",
        ["panels answer in", "orders", "seconds", "orders/s", "ideal orders/s", "of the ideal"],
        [
            [f"{args.latency_ms} ms", args.orders, f"{seconds:.1f}", f"{rate:.1f}",
             f"{ideal_rate:.0f}", f"{share:.0%}"],
            ["0 ms", args.own_cost_orders, f"{own:.1f}", f"{own_rate:.0f}", "—", "—"],
        ],
    )  # fmt: skip
    met = share >= TARGET_SHARE
    figure(
        f"placement: {args.orders:,} orders over {args.panels} panels answering in "
        f"{args.latency_ms} ms, share of the ideal P·c/L = {ideal_rate:.0f} orders/s",
        f"{share:.0%}",
        target=f"at least {TARGET_SHARE:.0%}",
        met=met,
    )
    figure(
        "placement: our own cost, answers in 0 ms: orders per second per worker process",
        f"{own_rate:.0f}",
        target="reported only",
        met=True,
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
