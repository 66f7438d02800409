"""Seeding shared by the benchmarks (not a benchmark itself: `make bench` skips `_*.py`).

- `order_rows` / `insert_orders`: a busy reseller's year of orders, COPYed into PostgreSQL.
- `place_on_simulator`: orders put on a simulator through its own `add` handler, saved once.
"""

from __future__ import annotations

import dataclasses
import json
import random
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

PANELS = 5
SERVICES_PER_PANEL = 200
# (state, weight) and, for placed orders, (status, weight)
STATES = (("placed", 90), ("rejected", 4), ("queued", 2), ("not_placed", 2), ("unknown", 1),
          ("submitting", 1))  # fmt: skip
STATUSES = (("completed", 70), ("partial", 5), ("canceled", 5), ("in_progress", 10),
            ("pending", 7), ("processing", 3))  # fmt: skip
SOURCES = (("form", 70), ("csv", 20), ("mass", 10))


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([v for v, _ in table], weights=[w for _, w in table])[0]


def order_rows(count: int, services: list[tuple[int, int]], user_id: int) -> Iterator[dict]:
    """`count` orders as column -> value, newest last, with per-panel unique remote ids."""
    from django.utils import timezone

    from orders.links import target_key

    rng = random.Random(7)
    now = timezone.now()
    year = 365 * 24 * 3600
    for n in range(count):
        service_id, panel_id = services[rng.randrange(len(services))]
        state = _pick(rng, STATES)
        status = _pick(rng, STATUSES) if state == "placed" else ""
        created = now - timedelta(seconds=year * (count - n) / count + rng.random())
        quantity = rng.choice((100, 250, 500, 1000, 2500, 5000, 10000))
        charge = (
            Decimal(quantity) * Decimal(rng.randint(5, 900)) / Decimal(100_000)
            if state == "placed"
            else None
        )
        link = f"https://instagram.com/p/{rng.getrandbits(40):x}/"
        yield {
            "client_ref": uuid.UUID(int=rng.getrandbits(128), version=4),
            "panel_id": panel_id,
            "service_id": service_id,
            "order_type": "default",
            "link": link,
            "link_key": target_key(link=link),
            "quantity": quantity,
            "params": "{}",
            "state": state,
            "status": status,
            "status_raw": status.replace("_", " ").title(),
            "remote_id": str(1_000_000 + n) if state == "placed" else None,
            "charge": charge,
            "estimated_cost": charge,
            "remains": 0 if status == "completed" else (quantity // 3 if status else None),
            "currency": "USD",
            "placed_by_id": user_id,
            "source": _pick(rng, SOURCES),
            "created_at": created,
            "updated_at": created,
            "placed_at": created if state == "placed" else None,
            "finished_at": created if status in ("completed", "partial", "canceled") else None,
            "last_error": "Not enough funds." if state == "rejected" else "",
            "error_reason": "",
            "customer_ref": "",
            "raw_status": json.dumps({"status": status}) if status else "{}",
            "route": "{}",
            "attempts": 1,
            "add_answer": "",
            "late_remote_id": "",
            "attention": "",
            "stuck": "",
            "replace_remains": "",
        }


def insert_orders(count: int, services: list[tuple[int, int]], user_id: int) -> float:
    """COPY the orders in; returns the seconds it took (VACUUM ANALYZE included)."""
    from django.db import connection

    from orders.models import Order

    started = time.perf_counter()
    rows = order_rows(count, services, user_id)
    first = next(rows)
    columns = list(first)
    table = Order._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg 3
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write_row([first[c] for c in columns])
            for row in rows:
                copy.write_row([row[c] for c in columns])
        # What autovacuum does on a live database: statistics and the visibility map.
        cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


def place_on_simulator(
    sim, count: int, service_ids: list[int], *, key: str, spread_seconds: float
) -> list[tuple[str, int, str, int]]:
    """`count` Default orders through the simulator's `add` handler, saved once.

    Over HTTP every `add` rewrites the panel's whole state file; this takes one lock and one
    save. Creation times are spread evenly over the last `spread_seconds`. Returns (remote id,
    service id, link, quantity) per order.
    """
    from simulator.actions import Context, add

    core = sim.simulator
    store = core.store()
    now = core.clock.now()
    base = Context(core.default_dialect, store, core.catalog(), now, core.stage_seconds)
    placed = []
    with store.lock:
        for n in range(count):
            service = service_ids[n % len(service_ids)]
            link = f"https://example.com/bench/{service}/{n}"
            ctx = dataclasses.replace(base, now=now - spread_seconds * (n / count))
            quantity = 100 + n % 900
            params = {
                "key": key,
                "action": "add",
                "service": str(service),
                "link": link,
                "quantity": str(quantity),
            }
            answer = add(ctx, params)
            placed.append((str(answer["order"]), service, link, quantity))
        store.save()
    sim.orders()  # settle the finished ones now, so no sync pays for that file write
    return placed
