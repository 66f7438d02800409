"""How fast the API v2 client talks to a panel: the simulator over loopback HTTP.

    .venv/bin/python benchmarks/client_vs_simulator.py [--orders 300]

Prints a table of calls, wall time and throughput. Nothing is asserted: these are figures to
compare between changes, measured on this machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import table
from panels.api.client import PanelClient
from panels.api.options import ClientOptions
from simulator import start_simulator


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300, help="orders to place and poll")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as state,
        start_simulator(state_dir=Path(state), keys=("bench-key",), balance="1000000") as sim,
    ):
        client = PanelClient(
            sim.api_url(),
            "bench-key",
            ClientOptions(retries=0, allow_http=True, allow_private=True),
        )
        rows: list[tuple[str, int, float, str]] = []

        started = time.perf_counter()
        catalog = client.services()
        rows.append(
            (
                "services (whole catalog)",
                1,
                time.perf_counter() - started,
                f"{len(catalog.services)} services",
            )
        )

        latencies = []
        ids = []
        for n in range(args.orders):
            t0 = time.perf_counter()
            placed = client.add(
                "1", {"link": f"https://bench.test/p/{n}", "quantity": 100}, order_type="default"
            )
            latencies.append(time.perf_counter() - t0)
            ids.append(placed.order_id)
        total = sum(latencies)
        p95 = statistics.quantiles(latencies, n=20)[-1] * 1000
        median = statistics.median(latencies) * 1000
        rows.append(
            (
                "add, one order per call",
                args.orders,
                total,
                f"median {median:.1f} ms, p95 {p95:.1f} ms",
            )
        )

        started = time.perf_counter()
        found = client.statuses(ids)
        elapsed = time.perf_counter() - started
        calls = -(-len(ids) // 100)
        rows.append(
            ("status, batches of 100", calls, elapsed, f"{len(found) / elapsed:,.0f} orders/s")
        )

        started = time.perf_counter()
        for order_id in ids[:100]:
            client.status(order_id)
        elapsed = time.perf_counter() - started
        rows.append(("status, one order per call", 100, elapsed, f"{100 / elapsed:,.0f} orders/s"))

    print(f"{'what':32} {'calls':>6} {'seconds':>9}  notes")
    for what, calls, seconds, notes in rows:
        print(f"{what:32} {calls:>6} {seconds:>9.3f}  {notes}")
    table(
        "API v2 client against the simulator over loopback (no targets: for comparison)",
        ["what", "calls", "seconds", "notes"],
        [[what, calls, f"{seconds:.3f}", notes] for what, calls, seconds, notes in rows],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
