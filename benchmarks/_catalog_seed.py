"""A large reseller's catalog for the catalog benchmarks (not a benchmark: `make bench` skips it).

- `seed_catalog`: panels whose services are the simulator's synthetic catalogs (the three naming
  styles, so the matcher pairs services across panels as it would real ones), read by the same
  parser and match keys a catalog sync uses, COPYed into PostgreSQL; each panel prices its
  catalog its own way and a few percent of services are no longer listed.
- `seed_history`: 90 days of catalog changes as a 6-hourly sync leaves them (price changes,
  limits, flags, services added and removed), made by PostgreSQL itself (generate_series).
"""

from __future__ import annotations

import json
import time
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any

VARIANTS = ("base", "alt1", "alt2")
# Most panels price in USD; a few in another currency, as real resellers' do.
CURRENCIES = ("USD",) * 8 + ("EUR",) + ("USD",) * 8 + ("RUB",) + ("USD",) * 2
INACTIVE_EVERY = 37  # one service in 37 no longer listed


@cache
def _variant_values(variant: str, size: int) -> tuple[tuple[str, dict[str, Any]], ...]:
    """(remote id, column values) of a synthetic catalog, as a sync would store them."""
    from panels.api.results.catalog import Service as Parsed
    from panels.api.results.catalog import parse_service
    from panels.services.catalog import _remote_values
    from simulator.catalogs import BUILDERS
    from simulator.dialects import DIALECTS
    from simulator.synthetic import STYLES, sized

    dialect = next(iter(DIALECTS.values()))
    found = []
    for service in sized(BUILDERS[variant](), size, STYLES[variant]):
        answer = dialect.service(service)
        answer["description"] = service.description
        parsed = parse_service(answer)
        assert isinstance(parsed, Parsed), parsed
        found.append((parsed.service_id, _remote_values(parsed)))
    return tuple(found)


def panel_factor(n: int) -> Decimal:
    """How much dearer or cheaper panel n is than its catalog's list price (0.80 .. 1.24)."""
    return Decimal(80 + (n * 37) % 45) / 100


def create_panels(count: int) -> list[Any]:
    from panels.models import Panel

    panels = []
    for n in range(count):
        panel = Panel(
            name=f"Bench Panel {n:02}",
            api_url=f"https://p{n}.example/api/v2",
            currency=CURRENCIES[n % len(CURRENCIES)],
        )
        panel.api_key = "k"
        panel.save()
        panels.append(panel)
    return panels


def service_rows(panels: list[Any], start: int, stop: int) -> list[list[object]]:
    """Services start..stop-1 of each panel's catalog, as COPY rows (see COLUMNS)."""
    from django.utils import timezone

    now = timezone.now()
    rows = []
    for n, panel in enumerate(panels):
        catalog = _variant_values(VARIANTS[n % len(VARIANTS)], stop)
        factor = panel_factor(n)
        for index in range(start, stop):
            remote_id, values = catalog[index]
            rate = (values["rate"] * factor).quantize(Decimal("0.0001"))
            seen = now - timedelta(days=90 - index % 60)
            rows.append(
                [
                    panel.pk,
                    remote_id,
                    values["name"],
                    values["type"],
                    values["raw_type"],
                    values["category"],
                    rate,
                    values["min_quantity"],
                    values["max_quantity"],
                    values["refill"],
                    values["cancel"],
                    values["dripfeed"],
                    values["refill_days"],
                    values["description"],
                    (index + n) % INACTIVE_EVERY != 0,
                    seen,
                    now,
                    json.dumps({**values["raw"], "rate": str(rate)}),
                    values["match_key"],
                ]
            )
    return rows


COLUMNS = ("panel_id", "remote_id", "name", "type", "raw_type", "category", "rate",
           "min_quantity", "max_quantity", "refill", "cancel", "dripfeed", "refill_days",
           "description", "is_active", "first_seen_at", "last_seen_at", "raw",
           "match_key")  # fmt: skip


def seed_catalog(panels: list[Any], start: int, stop: int) -> float:
    """COPY services start..stop-1 of every panel; the seconds it took (ANALYZE included)."""
    from django.db import connection

    from panels.models import Service

    started = time.perf_counter()
    table = Service._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for row in service_rows(panels, start, stop):
                copy.write_row(row)
        cursor.execute(f"VACUUM ANALYZE {table}")
    return time.perf_counter() - started


HISTORY_SQL = """
INSERT INTO panels_catalogevent
    (panel_id, service_id, sync_id, kind, old_rate, new_rate, rate_change, details, created_at)
SELECT s.panel_id, s.id, NULL, c.kind,
       CASE WHEN c.kind IN ('rate_changed', 'removed') THEN s.rate / c.factor END,
       CASE WHEN c.kind IN ('rate_changed', 'added', 'reactivated') THEN s.rate END,
       CASE WHEN c.kind = 'rate_changed' THEN round(c.factor - 1, 4) END,
       CASE c.kind
           WHEN 'limits_changed' THEN jsonb_build_object(
               'max_quantity', jsonb_build_array(s.max_quantity * 2, s.max_quantity))
           WHEN 'flags_changed' THEN jsonb_build_object(
               'refill', jsonb_build_array(NOT s.refill, s.refill))
           ELSE '{}'::jsonb END,
       %(now)s - make_interval(hours => 6 * c.sync, secs => c.jitter)
FROM panels_service s
JOIN LATERAL (
    SELECT g,
           (hashint8(s.id * 100 + g) & 2147483647) %% 360 AS sync,
           (hashint8(s.id * 977 + g) & 2147483647) %% 1000 AS jitter,
           0.85 + ((hashint8(s.id + g) & 63) + 1) / 210.0 AS factor,
           CASE (hashint8(s.id * 131 + g) & 1023) / 103
                WHEN 0 THEN 'limits_changed' WHEN 1 THEN 'flags_changed'
                WHEN 2 THEN 'removed' WHEN 3 THEN 'reactivated'
                ELSE 'rate_changed' END AS kind
    FROM generate_series(1, %(per_service)s) AS g
) c ON true
WHERE s.id > %(after)s
"""


def seed_history(per_service: int, *, after: int = 0) -> tuple[int, float]:
    """`per_service` changes of every service whose id is above `after` over the last 90 days
    (most a price rise or drop of up to 15 %); (events made, seconds with ANALYZE)."""
    from django.db import connection
    from django.utils import timezone

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            HISTORY_SQL,
            {"now": timezone.now(), "per_service": per_service, "after": after},
        )
        made = cursor.rowcount
        cursor.execute("VACUUM ANALYZE panels_catalogevent")
    return made, time.perf_counter() - started
