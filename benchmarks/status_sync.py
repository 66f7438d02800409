"""Status sync speed: 20,000 active orders over 5 simulated panels, batched vs naive.

    .venv/bin/python benchmarks/status_sync.py [--orders 20000] [--panels 5] [--naive-sample 200]
        [--latency-ms 50]

Runs in a throwaway test database on whatever DATABASE_URL points at (PostgreSQL is what the
targets are for). The simulated panels answer every request in 50 ms, as a real panel over the
internet does. Prints HTTP calls, SQL queries per 100 orders, orders per second, and the time
spent waiting on the panels (on the wire: sending, their answer, reading it) beside the rest of
the sync's time, ours (parsing, Python, SQL), for `orders_status_sync` on every panel, next to
a naive sync measured in the same run: one `status` call and one `save()` per order, timed on a
sample and extrapolated to every order.
Targets: HTTP calls exactly the sum over panels of ceil(active orders / 100); at most 5 queries
per 100 orders; the whole batched sync at least 20x faster than the naive one; our share of the
batched sync's time at most 25 %.

The orders are put on the simulators through the simulator's own `add` handler (same checks,
pricing and ids as over HTTP) under one lock and saved once per panel: over HTTP every `add`
rewrites the panel's whole state file, so 4,000 orders took 136 s on one panel (11 minutes for
all five) instead of well under a second. Each simulator then runs as a process of its own on
that state (benchmarks/_sync_seed.py), as a panel is a server of its own: the time waited on it
is its own, and its work never competes with ours for this process's interpreter. Their
creation times are spread over three stages, so a sync sees about a third pending, a third in
progress and a third finished (completed, or partial and refunded). Our Order rows are then
bulk-created as PLACED with the simulator's ids, never synced before: every order changes.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")

SPREAD = (37, -37, 11, -11, 0)  # uneven panels, so ceil(n / 100) differs from n / 100
LATENCY_MS = 50  # every answer of the simulated panels takes this long
TARGET_SHARE = 0.25  # of the sync's time, at most, not spent waiting on the panel

from benchmarks._sync_seed import seeded_panel  # noqa: E402
from benchmarks.report import figure, table  # noqa: E402

WAITED = [0.0]  # seconds waiting on the panels: sending, their answer time, reading the body


def time_the_wire() -> None:
    """Add up the time spent on the wire (sending the request, waiting for the answer, reading
    its body) in WAITED: what the sync cannot make shorter. Parsing is left out: it is ours."""
    from panels.api import exchange

    send, read_body = exchange.Exchange._send, exchange.read_body

    def timed(call):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                WAITED[0] += time.perf_counter() - started

        return wrapper

    exchange.Exchange._send = timed(send)  # type: ignore[method-assign]
    exchange.read_body = timed(read_body)


def panel_sizes(total: int, panels: int) -> list[int]:
    sizes = [total // panels + SPREAD[n % len(SPREAD)] for n in range(panels)]
    sizes[-1] += total - sum(sizes)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--panels", type=int, default=5)
    parser.add_argument("--naive-sample", type=int, default=200)
    parser.add_argument(
        "--latency-ms", type=int, default=LATENCY_MS, help="the panels' answer time"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from orders.models import Order, OrderStatusChange
    from orders.services import orders_status_sync, orders_to_sync
    from panels.api.normalise import Status

    setup_test_environment()
    time_the_wire()
    # A name of its own: another run's test database (a test suite's) is never clobbered.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_status_sync_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    # panel, orders, calls, queries, seconds, of which in `status` calls
    rows: list[tuple[str, int, int, int, float, float]] = []
    expected_calls = 0
    sims: list = []
    panels: list = []
    try:
        with tempfile.TemporaryDirectory(prefix="status-sync-") as state:
            started = time.perf_counter()
            for n, size in enumerate(panel_sizes(args.orders, args.panels)):
                sim, panel, placed, services = seeded_panel(
                    Path(state), n, size, latency_ms=args.latency_ms
                )
                sims.append(sim)
                panels.append(panel)
                Order.objects.bulk_create(
                    [
                        Order(
                            panel=panel,
                            service_id=services[service],
                            order_type="default",
                            link=link,
                            quantity=quantity,
                            state=Order.State.PLACED,
                            status=Status.PENDING,
                            remote_id=remote_id,
                            currency="USD",
                            placed_at=timezone.now(),
                        )
                        for remote_id, service, link, quantity in placed
                    ],
                    batch_size=2000,
                )
            setup_seconds = time.perf_counter() - started

            # The batched sync, panel by panel, as the status_sync task runs it.
            statuses: Counter[str] = Counter()
            for panel, sim in zip(panels, sims, strict=True):
                active = orders_to_sync(panel=panel).count()
                expected_calls += math.ceil(active / 100)
                sim.control("reset", {})  # forget request counts (not orders), and the latency
                sim.set_fault(None, latency_ms=args.latency_ms)
                client = panel.client()
                with CaptureQueriesContext(connection) as queries:
                    WAITED[0] = 0.0
                    started = time.perf_counter()
                    result = orders_status_sync(panel=panel, client=client)
                    elapsed = time.perf_counter() - started
                calls = sim.control("stats")["requests"].get("status", 0)
                assert result.calls == calls, result
                assert result.checked == active, result
                assert result.changed == active, f"{panel.name}: not every order was written"
                rows.append((panel.name, active, calls, len(queries), elapsed, WAITED[0]))
            statuses.update(Order.objects.values_list("status", flat=True))
            history = OrderStatusChange.objects.count()

            # Again, as the next scheduled round finds them: next to nothing moved since.
            again = [0, 0, 0, 0.0, 0.0]  # orders, calls, queries, seconds, waiting
            for panel, sim in zip(panels, sims, strict=True):
                sim.control("reset", {})
                sim.set_fault(None, latency_ms=args.latency_ms)
                with CaptureQueriesContext(connection) as queries:
                    WAITED[0] = 0.0
                    started = time.perf_counter()
                    result = orders_status_sync(panel=panel)
                    again[3] += time.perf_counter() - started
                again[0] += result.checked
                again[1] += result.calls
                again[2] += len(queries)
                again[4] += WAITED[0]

            # Back to never synced, then the naive way on a sample spread over every panel.
            Order.objects.update(
                status=Status.PENDING,
                status_raw="",
                charge=None,
                start_count=None,
                remains=None,
                raw_status={},
                status_checked_at=None,
                finished_at=None,
            )
            step = max(1, args.orders // args.naive_sample)
            every = Order.objects.order_by("pk").values_list("pk", flat=True)
            sample_ids = list(every)[::step][: args.naive_sample]
            clients = {panel.pk: panel.client() for panel in panels}
            for sim in sims:
                sim.control("reset", {})
                sim.set_fault(None, latency_ms=args.latency_ms)
            with CaptureQueriesContext(connection) as naive_queries:
                WAITED[0] = 0.0
                started = time.perf_counter()
                sample = list(Order.objects.filter(pk__in=sample_ids))
                for order in sample:
                    answer = clients[order.panel_id].status(order.remote_id)
                    order.status, order.status_raw = answer.status, answer.raw_status[:100]
                    order.charge, order.start_count = answer.charge, answer.start_count
                    order.remains, order.raw_status = answer.remains, answer.raw
                    order.currency = answer.currency or order.currency
                    order.status_checked_at = timezone.now()
                    if answer.is_final:
                        order.finished_at = order.status_checked_at
                    order.save()
                naive_seconds = time.perf_counter() - started
            naive_calls = sum(sim.control("stats")["requests"].get("status", 0) for sim in sims)
            naive_api = WAITED[0]
    finally:
        for sim in sims:
            sim.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)

    total = sum(r[1] for r in rows)
    calls = sum(r[2] for r in rows)
    queries = sum(r[3] for r in rows)
    seconds = sum(r[4] for r in rows)
    api_seconds = sum(r[5] for r in rows)
    sampled = len(sample)
    scale = total / sampled
    speedup = naive_seconds * scale / seconds
    share = (seconds - api_seconds) / seconds
    table_rows = [
        *(
            ("batched  " + name, count, n_calls, n_queries, secs, api)
            for name, count, n_calls, n_queries, secs, api in rows
        ),
        ("batched  all panels", total, calls, queries, seconds, api_seconds),
        ("batched  next round", *again),
        (
            "naive    sample (measured)",
            sampled,
            naive_calls,
            len(naive_queries),
            naive_seconds,
            naive_api,
        ),
        (
            "naive    all (extrapolated)",
            total,
            round(naive_calls * scale),
            round(len(naive_queries) * scale),
            naive_seconds * scale,
            naive_api * scale,
        ),
    ]

    print(
        f"database: {connection.vendor}; {total} orders on {len(rows)} panels (set up in "
        f"{setup_seconds:.1f} s); after the batched sync: "
        + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
        + f"; {history} status changes recorded"
    )
    print(
        f"{'sync':28} {'orders':>7} {'calls':>6} {'queries':>8} {'q/100':>7} {'seconds':>8} "
        f"{'waiting':>8} {'ours':>7} {'share':>6} {'orders/s':>9}"
    )
    for label, count, n_calls, n_queries, secs, api in table_rows:
        print(
            f"{label:28} {count:>7} {n_calls:>6} {n_queries:>8} "
            f"{n_queries * 100 / count:>7.2f} {secs:>8.2f} {api:>8.2f} {secs - api:>7.2f} "
            f"{(secs - api) / secs:>6.0%} {count / secs:>9,.0f}"
        )
    print(
        f"panels answering in {args.latency_ms} ms. 'waiting': on the wire (sending, the "
        f"panel's answer, reading it), the calls made one at a time; 'ours': the rest of the "
        f"sync's time (parsing, our Python and SQL, whatever of it does not overlap the "
        f"waiting); 'share': ours / seconds. 'next round': the same sync again, as the next "
        f"schedule finds the orders still open (few moved since).\nnaive: {sampled} of {total} "
        f"orders measured "
        f"(every {step}th), then extrapolated linearly to all {total}."
    )

    targets = [
        (f"HTTP calls = sum of ceil(active / 100) = {expected_calls}", calls == expected_calls,
         f"{calls} calls"),
        ("at most 5 queries per 100 orders", queries * 100 / total <= 5,
         f"{queries * 100 / total:.2f} per 100"),
        ("at least 20x faster than naive", speedup >= 20, f"{speedup:.1f}x"),
        (f"our share at most {TARGET_SHARE:.0%} of the sync's time", share <= TARGET_SHARE,
         f"{share:.1%}: {seconds - api_seconds:.2f} s of {seconds:.2f} s, "
         f"{api_seconds:.2f} s waiting"),
    ]  # fmt: skip
    for label, met, measured in targets:
        print(f"target {label:45} {'MET' if met else 'NOT MET':8} ({measured})")
    table(
        f"Status sync of {total} orders on {len(rows)} panels",
        [
            "sync",
            "orders",
            "calls",
            "queries",
            "q/100",
            "seconds",
            "waiting on the panel",
            "ours",
            "our share",
            "orders/s",
        ],
        [
            [
                label,
                count,
                n_calls,
                n_queries,
                f"{n_queries * 100 / count:.2f}",
                f"{secs:.2f}",
                f"{api:.2f}",
                f"{secs - api:.2f}",
                f"{(secs - api) / secs:.0%}",
                f"{count / secs:,.0f}",
            ]
            for label, count, n_calls, n_queries, secs, api in table_rows
        ],
    )
    figure(
        "status sync: HTTP status calls",
        calls,
        met=targets[0][1],
        target=f"exactly {expected_calls} (sum over panels of ceil(active / 100))",
    )
    figure(
        "status sync: SQL queries per 100 orders",
        round(queries * 100 / total, 2),
        target="at most 5",
        met=targets[1][1],
    )
    figure(
        "status sync: batched vs naive (one call and one save per order)",
        round(speedup, 1),
        unit="x faster",
        target="at least 20x",
        met=targets[2][1],
    )
    figure(
        f"status sync: our share of the sync's time (not waiting on the panel), {total:,} "
        f"orders on panels answering in {args.latency_ms} ms",
        f"{share:.1%} ({seconds - api_seconds:.2f} s of {seconds:.2f} s; "
        f"{api_seconds:.2f} s waiting on the panels)",
        target=f"at most {TARGET_SHARE:.0%}",
        met=targets[3][1],
    )
    return 0 if all(met for _, met, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
