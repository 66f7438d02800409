"""Seeding shared by the benchmarks (not a benchmark itself: `make bench` skips `_*.py`).

- `insert_orders`: a busy reseller's year of orders, made by PostgreSQL itself (one INSERT ...
  SELECT over generate_series: no row crosses the wire), in parts if asked.
- `place_on_simulator`: orders put on a simulator through its own `add` handler, saved once.
"""

from __future__ import annotations

import dataclasses
import time
from datetime import datetime
from typing import Any

PANELS = 5
SERVICES_PER_PANEL = 200
# (state, weight) and, for placed orders, (status, weight)
STATES = (("placed", 90), ("rejected", 4), ("queued", 2), ("not_placed", 2), ("unknown", 1),
          ("submitting", 1))  # fmt: skip
STATUSES = (("completed", 70), ("partial", 5), ("canceled", 5), ("in_progress", 10),
            ("pending", 7), ("processing", 3))  # fmt: skip
SOURCES = (("form", 70), ("csv", 20), ("mass", 10))
QUANTITIES = (100, 250, 500, 1000, 2500, 5000, 10000)


def _draw(table: tuple[tuple[str, int], ...], percent: str) -> str:
    """SQL: the value of `table` a number 0..99 falls on, by the weights (which sum to 100)."""
    assert sum(w for _, w in table) == 100
    whens, edge = [], 0
    for value, weight in table[:-1]:
        edge += weight
        whens.append(f"WHEN {percent} < {edge} THEN '{value}'")
    return f"CASE {' '.join(whens)} ELSE '{table[-1][0]}' END"


def _uniform(salt: int, modulo: int) -> str:
    """SQL: a number 0..modulo-1 drawn from the row number `g`, the same on every run."""
    return f"(mod(hashint8extended(g, {salt}) & 2147483647, {modulo}))"


# Order g of `count`: created g/count of a year ago (newest last), on one of the services, in a
# state and (placed) a panel status by the weights above; a charge on placed orders; a link of
# its own; finished ones finished, running ones with a third left.
_ROWS = f"""
WITH d AS (
    SELECT g,
           {_draw(STATES, _uniform(1, 100))} AS state,
           {_draw(STATUSES, _uniform(2, 100))} AS placed_status,
           {_draw(SOURCES, _uniform(3, 100))} AS source,
           (%(quantities)s::bigint[])[1 + {_uniform(4, len(QUANTITIES))}] AS quantity,
           5 + {_uniform(5, 896)} AS rate,
           lpad(to_hex(hashint8extended(g, 6) & 1099511627775), 10, '0') AS post,
           1 + mod(hashint8extended(g, 7) & 2147483647, %(services)s) AS s,
           %(now)s::timestamptz - (%(count)s - g) * (interval '365 days' / %(count)s)
               - {_uniform(8, 1000)} * interval '1 millisecond' AS created
    FROM generate_series(0, %(count)s - 1) AS g
    WHERE %(every)s = 1 OR (mod(g, %(every)s) = 0) <> %(rest)s
), o AS (
    SELECT d.*, CASE WHEN state = 'placed' THEN placed_status ELSE '' END AS status FROM d
)
INSERT INTO orders_order (
    client_ref, panel_id, service_id, order_type, link, link_key, quantity, params, state,
    status, status_raw, remote_id, charge, estimated_cost, remains, currency, placed_by_id,
    source, created_at, updated_at, placed_at, finished_at, last_error, error_reason,
    customer_ref, raw_status, route, attempts, add_answer, late_remote_id, attention, stuck,
    replace_remains)
SELECT md5('order ' || g)::uuid, (%(panel_ids)s::bigint[])[s], (%(service_ids)s::bigint[])[s],
       'default', 'https://instagram.com/p/' || post || '/', 'instagram.com/p/' || post,
       quantity, '{{}}', state, status, initcap(replace(status, '_', ' ')),
       CASE WHEN state = 'placed' THEN (1000000 + g)::text END,
       CASE WHEN state = 'placed' THEN quantity * rate / 100000.0 END,
       CASE WHEN state = 'placed' THEN quantity * rate / 100000.0 END,
       CASE WHEN status = 'completed' THEN 0 WHEN status <> '' THEN quantity / 3 END,
       'USD', %(user_id)s, source, created, created,
       CASE WHEN state = 'placed' THEN created END,
       CASE WHEN status IN ('completed', 'partial', 'canceled') THEN created END,
       CASE WHEN state = 'rejected' THEN 'Not enough funds.' ELSE '' END, '', '',
       CASE WHEN status <> '' THEN json_build_object('status', status)::jsonb
            ELSE '{{}}'::jsonb END,
       '{{}}', 1, '', '', '', '', ''
FROM o
"""  # noqa: S608 (SQL of this module; values are parameters)


@dataclasses.dataclass(frozen=True)
class Seeded:
    """How long a seed took, in seconds, and its parts."""

    rows: int
    insert: float
    indexes: float  # dropping and building the indexes again (0 when kept)
    vacuum: float  # VACUUM ANALYZE and a CHECKPOINT

    @property
    def seconds(self) -> float:
        return self.insert + self.indexes + self.vacuum


# The indexes a bulk insert drops and builds again (faster than keeping them up to date row by
# row, as a restore does): all but the primary key and those of table constraints.
_PLAIN_INDEXES = """
SELECT i.relname, pg_get_indexdef(i.oid)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
WHERE x.indrelid = %s::regclass AND NOT x.indisprimary
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
ORDER BY i.relname
"""


def seed_orders(
    count: int,
    services: list[tuple[int, int]],
    user_id: int | None,
    *,
    every: int = 1,
    rest: bool = False,
    now: datetime | None = None,
    rebuild_indexes: bool = False,
) -> Seeded:
    """Insert the year of `count` orders, or a part of it: with `every` = n, only every n-th
    order (a small sample spread over the same year), or with `rest` too, all the others.
    `services` are (service id, panel id) pairs; the parts of one seed need the same `now`
    (the newest order's moment). With `rebuild_indexes`, the order table's indexes are dropped
    first and built again after (the same definitions). Then VACUUM ANALYZE, what autovacuum
    does on a live database: statistics, the visibility map."""
    from django.db import connection
    from django.utils import timezone

    from orders.models import Order

    table = Order._meta.db_table
    with connection.cursor() as cursor:
        indexes: list[tuple[str, str]] = []
        started = time.perf_counter()
        if rebuild_indexes:
            cursor.execute(_PLAIN_INDEXES, [table])
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        dropped = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(
            _ROWS,
            {
                "count": count,
                "every": max(every, 1),
                "rest": rest,
                "quantities": list(QUANTITIES),
                "service_ids": [service for service, _ in services],
                "panel_ids": [panel for _, panel in services],
                "user_id": user_id,
                "services": len(services),
                # Django's clock, not the database's: the pages ask for days by Django's today
                "now": now or timezone.now(),
            },
        )
        rows = cursor.rowcount
        inserted = time.perf_counter() - started
        started = time.perf_counter()
        if indexes:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            for _, definition in indexes:
                cursor.execute(definition)
            cursor.execute("RESET maintenance_work_mem")
        built = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(f"VACUUM ANALYZE {table}")
        # The seed's gigabytes of WAL are written out now, not by a checkpoint in the middle of
        # the timed pages (where it showed as a lone request of several hundred ms).
        cursor.execute("CHECKPOINT")
        vacuumed = time.perf_counter() - started
    return Seeded(rows, inserted, dropped + built, vacuumed)


def insert_orders(
    count: int, services: list[tuple[int, int]], user_id: int | None, **options: Any
) -> float:
    """`seed_orders`, in seconds."""
    return seed_orders(count, services, user_id, **options).seconds


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
