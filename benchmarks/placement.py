"""Placement throughput against the panels' limit: queued orders sent by real Celery workers.

Nothing places faster than the panels allow: with P panels, each taking c orders at a time
(PANEL_MAX_CONCURRENCY) and answering in L seconds, the ideal is P·c/L orders per second.
10,000 queued orders over 5 simulated panels (each a process of its own) answering in 100 ms,
c = 2, sent by one `celery worker` process (prefork, P·c + 2 children) over a private Redis and
PostgreSQL: the time until every order is placed, beside the ideal. The same with answers in
0 ms says what the dashboard itself costs per order: the worker's CPU time per order, and so
the orders per second one busy worker process places. The simulated panels' own CPU is printed
beside it: on one machine they share the CPUs with the worker and PostgreSQL.

Many workers, one limit: 1, 2 and 3 worker processes (prefork, 4 children each) against one
broker and database, 2,000 orders each run. Each simulator records the most `add`s in flight
at once per API key, which must never exceed c; orders/s must grow with workers until the
panels' limit.

The orders are queued as an upload queues them, then one dispatcher per panel is woken, as an
upload or the dispatch sweep does.

    .venv/bin/python benchmarks/placement.py [--orders 10000] [--panels 5] [--latency-ms 100]
        [--own-cost-orders 3000] [--workers-orders 2000] [--most-workers 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

from benchmarks._cpu import group_cpu_seconds  # noqa: E402
from benchmarks._fault_processes import KEY, Simulator, Worker  # noqa: E402
from benchmarks._stack import private_stack  # noqa: E402
from benchmarks.report import figure, table  # noqa: E402

CONCURRENCY = 2  # PANEL_MAX_CONCURRENCY: orders one panel takes at a time
TARGET_SHARE = 0.9  # of the ideal rate
WORKER_CONCURRENCY = 4  # prefork children of each worker in the many-workers table


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


@dataclass
class Run:
    """One placement run: how long it took, and what it cost the machine."""

    orders: int
    seconds: float
    most_in_flight: int  # the most `add`s one panel key had in flight at once
    worker_cpu: float  # CPU seconds of the worker processes (the dashboard's own cost)
    simulator_cpu: float  # CPU seconds of the simulated panels

    @property
    def rate(self) -> float:
        return self.orders / self.seconds


def run(
    workdir: Path, *, orders: int, panels: int, latency_ms: int, workers: int = 1,
    worker_concurrency: int | None = None,
) -> Run:  # fmt: skip
    """Place `orders` through panels answering in `latency_ms`, with `workers` worker
    processes (prefork, `worker_concurrency` children each; enough for every slot by default)."""
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
        concurrency = worker_concurrency or panels * CONCURRENCY + 2
        started = []
        try:
            for n in range(workers):
                log = workdir / f"worker-{latency_ms}ms-{workers}-{n}.log"
                name = f"placement{latency_ms}w{workers}n{n}"
                started.append(Worker(env, log, name, concurrency=concurrency))
            for worker in started:
                worker.wait_ready(0)
            worker_cpu = -sum(group_cpu_seconds(w.process.pid) for w in started)
            simulator_cpu = -sum(group_cpu_seconds(sim.process.pid) for sim in sims)
            seconds = place_all(made, orders)
            worker_cpu += sum(group_cpu_seconds(w.process.pid) for w in started)
            simulator_cpu += sum(group_cpu_seconds(sim.process.pid) for sim in sims)
        finally:
            for worker in started:
                worker.stop()
        most = max(sim.control("in_flight", action="add")["most"].get(KEY, 0) for sim in sims)
        return Run(orders, seconds, most, worker_cpu, simulator_cpu)
    finally:
        for sim in sims:
            sim.stop()


def workers_table(workdir: Path, args: argparse.Namespace) -> list[Run]:
    """Figure 2: 1, 2 and 3 worker processes of WORKER_CONCURRENCY children each, one broker
    and one database: throughput grows with workers until the panels' limit, and no panel
    key ever has more than c `add`s in flight."""
    return [
        run(workdir, orders=args.workers_orders, panels=args.panels, latency_ms=args.latency_ms,
            workers=workers, worker_concurrency=WORKER_CONCURRENCY)
        for workers in range(1, args.most_workers + 1)
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--panels", type=int, default=5)
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--own-cost-orders", type=int, default=3_000)
    parser.add_argument("--workers-orders", type=int, default=2_000)
    parser.add_argument("--most-workers", type=int, default=3)
    args = parser.parse_args()

    with private_stack("placement") as (workdir, _redis):
        main_run = run(workdir, orders=args.orders, panels=args.panels, latency_ms=args.latency_ms)
        own = run(workdir, orders=args.own_cost_orders, panels=args.panels, latency_ms=0)
        scaling = workers_table(workdir, args)
    limit = args.panels * CONCURRENCY / (args.latency_ms / 1000)
    met = report_placement(args, main_run, own, limit)
    met &= report_workers(args, scaling, limit)
    return 0 if met else 1


def report_placement(args: argparse.Namespace, main_run: Run, own: Run, ideal_rate: float) -> bool:
    share = main_run.rate / ideal_rate
    own_cpu_ms = own.worker_cpu / own.orders * 1000
    print(
        f"{args.orders:,} orders, {args.panels} panels answering in {args.latency_ms} ms, "
        f"c = {CONCURRENCY}: placed in {main_run.seconds:.1f} s = {main_run.rate:.1f} orders/s; "
        f"the ideal {ideal_rate:.0f} orders/s would take {args.orders / ideal_rate:.1f} s "
        f"({share:.0%})"
    )
    print(
        f"answers in 0 ms: {own.orders:,} orders in {own.seconds:.1f} s = {own.rate:.0f}/s; "
        f"the worker used {own_cpu_ms:.1f} ms of CPU per order, the simulated panels "
        f"{own.simulator_cpu / own.orders * 1000:.1f} ms"
    )
    table(
        "Placement through one worker process",
        ["panels answer in", "orders", "seconds", "orders/s", "ideal orders/s", "of the ideal",
         "worker CPU per order", "panels' CPU per order"],
        [[f"{latency} ms", r.orders, f"{r.seconds:.1f}", f"{r.rate:.1f}", ideal, share_text,
          f"{r.worker_cpu / r.orders * 1000:.1f} ms", f"{r.simulator_cpu / r.orders * 1000:.1f} ms"]
         for latency, r, ideal, share_text in (
             (args.latency_ms, main_run, f"{ideal_rate:.0f}", f"{share:.0%}"),
             (0, own, "—", "—"))],
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
        "placement: our own cost, answers in 0 ms: orders per second per busy worker process "
        f"(1 / its CPU per order, {own_cpu_ms:.1f} ms)",
        f"{1000 / own_cpu_ms:.0f}",
        target="reported only",
        met=True,
    )
    return met


def report_workers(args: argparse.Namespace, runs: list[Run], panels_limit: float) -> bool:
    rows, grows = [], True
    for workers, r in enumerate(runs, start=1):
        limit = min(workers * WORKER_CONCURRENCY, args.panels * CONCURRENCY) / (
            args.latency_ms / 1000
        )
        if workers > 1 and limit > rows[-1][-1] and r.rate <= runs[workers - 2].rate:
            grows = False  # more senders available, no more orders/s
        rows.append([workers, f"{r.rate:.1f}", r.most_in_flight, f"{r.rate / limit:.0%}", limit])
    most = max(r.most_in_flight for r in runs)
    table(
        f"Many workers, one limit: {args.workers_orders:,} orders, {args.panels} panels "
        f"answering in {args.latency_ms} ms, c = {CONCURRENCY}, workers of "
        f"{WORKER_CONCURRENCY} processes",
        ["workers", "orders/s", "most adds in flight per panel key", "of the limit",
         "limit: min(workers × 4, P·c) / L"],
        [[*row[:-1], f"{row[-1]:.0f} orders/s"] for row in rows],
    )  # fmt: skip
    figure(
        "placement, many workers: the most adds one panel key had in flight at once",
        most,
        target=f"at most c = {CONCURRENCY}",
        met=most <= CONCURRENCY,
    )
    figure(
        f"placement, many workers: orders/s with 1 to {len(runs)} workers",
        " → ".join(f"{r.rate:.0f}" for r in runs),
        target=f"grows with workers until the panels' limit ({panels_limit:.0f} orders/s)",
        met=grows,
    )
    return most <= CONCURRENCY and grows


if __name__ == "__main__":
    raise SystemExit(main())
