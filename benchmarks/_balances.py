"""The ledger's part of benchmarks/reports.py: a year of balance readings over the seeded
panels, and the reconciliation of one panel's day.

On top of the reports seed's orders, `seed_readings` puts a year of balance readings over the
same panels, each the balance the panel would show at that moment (a weekly top-up, most of
them recorded as TopUp rows, minus the charges, plus the refunds), with one INSERT ... SELECT
over generate_series. `time_reconciliation` times the ledger's own `panel_reconcile` checking
one panel's last full day of readings, as the periodic task finds it at the end of that day.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import AbstractContextManager, nullcontext
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")


if TYPE_CHECKING:
    from panels.models import Panel

TARGET_MEDIAN_MS = 200.0
TOP_UP_EVERY_DAYS = 7
# Every UNRECORDED-th top-up reaches the balance but nobody records it: the reconciliation
# flags that rise and suggests it as a top-up, as it does for real users.
UNRECORDED = 4

# Each panel is topped up weekly by a quarter more than it spends in an average week, starting
# from eight top-ups' worth (a panel's spend varies from week to week): the balance falls with
# every order and rises once a week, and stays positive.
# Staggered by an hour per panel (earlier) so the panels' top-ups are not at one instant; the
# last is a day before now.
TOP_UPS_SQL = """
    spend AS (SELECT panel_id, sum(coalesce(charge, estimated_cost)) AS total
              FROM orders_order WHERE placed_at IS NOT NULL GROUP BY panel_id),
    p AS (SELECT panel.id, panel.currency, row_number() OVER (ORDER BY panel.id) - 1 AS i,
                 count(*) OVER () AS n,
                 greatest(round(coalesce(spend.total, 0) * %(every)s / 365 * 1.25), 1) AS top_up
          FROM panels_panel panel LEFT JOIN spend ON spend.panel_id = panel.id),
    top_ups AS (
        SELECT p.id AS panel_id, p.top_up AS amount, w %% %(unrecorded)s <> 0 AS recorded,
               %(now)s - interval '365 days' + (w * %(every)s) * interval '1 day'
                   - p.i * interval '1 hour' AS at
        FROM p, generate_series(1, 365 / %(every)s) AS w)
"""


def _insert_top_ups(now: datetime) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH {TOP_UPS_SQL}
            INSERT INTO ledger_topup (panel_id, amount, at, note, state, created_at)
            SELECT panel_id, amount, at, 'Bank transfer', 'confirmed', at
            FROM top_ups WHERE recorded ORDER BY at
            """,  # noqa: S608 (constant SQL, values are parameters)
            {"every": TOP_UP_EVERY_DAYS, "unrecorded": UNRECORDED, "now": now},
        )


def _insert_readings(total: int, now: datetime) -> None:
    """Reading g is on panel g mod panels, (total - g) / total of a year before `now` (newest
    last, consecutive readings on different panels, like the orders). Its amount is a running
    sum, per panel in time order, of every top-up (recorded or not), charge and refund up to
    and including its moment: what the panel says, by the same (start, end] rule the ledger
    checks with."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '256MB'")  # the window's sort, in memory
        cursor.execute(
            f"""
            WITH {TOP_UPS_SQL},
            r AS (SELECT p.id AS panel_id, p.currency,
                         %(now)s - (%(total)s - g) * (365 * interval '1 day') / %(total)s AS at
                  FROM generate_series(0, %(total)s - 1) AS g JOIN p ON p.i = g %% p.n),
            moves AS (
                SELECT panel_id, placed_at AS at, -coalesce(charge, estimated_cost) AS delta,
                       NULL AS currency, false AS reading
                FROM orders_order WHERE placed_at IS NOT NULL
                UNION ALL
                SELECT panel_id, refund_seen_at, refund, NULL, false
                FROM orders_order WHERE refund_seen_at IS NOT NULL AND refund IS NOT NULL
                UNION ALL
                SELECT panel_id, at, amount, NULL, false FROM top_ups
                UNION ALL
                SELECT panel_id, at, 0, currency, true FROM r),
            running AS (
                -- a reading comes after whatever happened at its very moment
                SELECT panel_id, at, currency, reading,
                       sum(delta) OVER (PARTITION BY panel_id ORDER BY at, reading
                                        ROWS UNBOUNDED PRECEDING) AS moved
                FROM moves)
            INSERT INTO panels_balancereading (panel_id, amount, currency, read_at)
            SELECT running.panel_id, 8 * p.top_up + running.moved, running.currency, running.at
            FROM running JOIN p ON p.id = running.panel_id
            WHERE running.reading
            ORDER BY running.at
            """,  # noqa: S608 (constant SQL, values are parameters)
            {
                "total": total,
                "every": TOP_UP_EVERY_DAYS,
                "unrecorded": UNRECORDED,
                "now": now,
            },
        )


def seed_readings(total: int = 100_000) -> float:
    """`total` balance readings over the seeded panels and the year the orders span, and the
    weekly top-ups recorded on them; seconds taken. Needs the orders first (reports `seed`)."""
    from django.db import connection, transaction
    from django.utils import timezone

    started = time.perf_counter()
    # Django's clock, not the database's: the measured day is Django's yesterday (and the
    # tests shift Django's clock).
    now = timezone.now()
    with transaction.atomic():
        _insert_top_ups(now)
        _insert_readings(total, now)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE panels_balancereading, ledger_topup")
    return time.perf_counter() - started


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    from django.utils import timezone

    start = timezone.make_aware(datetime.combine(day, clock.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), clock.min))


def measured_day() -> tuple[Panel, date]:
    """The first panel by name and the last local day before today it has a reading on (at a
    full seed, yesterday)."""
    from django.utils import timezone

    from panels.models import BalanceReading, Panel

    panel = Panel.objects.filter(balance_readings__isnull=False).order_by("name").first()
    if panel is None:
        raise RuntimeError("no balance readings: run seed_readings first")
    today, _ = _day_bounds(timezone.localdate())
    last = BalanceReading.objects.filter(panel=panel, read_at__lt=today).order_by("-read_at")
    reading = last.first()
    if reading is None:
        raise RuntimeError(f"{panel.name} has no reading before today")
    return panel, timezone.localdate(reading.read_at)


def _forget_day(panel: Panel, start: datetime, end: datetime) -> None:
    """The ledger as it stood at the end of the day: the day's readings are new (their checks
    not yet made, nor their suggestions), and later readings not yet taken."""
    from ledger.models import BalanceCheck, TopUp
    from panels.models import BalanceReading

    since = BalanceCheck.objects.filter(panel=panel, ended_at__gte=start)
    TopUp.objects.filter(suggested_by__in=since).delete()
    since.delete()
    BalanceReading.objects.filter(panel=panel, read_at__gte=end).delete()


def _run(
    panel: Panel, start: datetime, end: datetime, around: AbstractContextManager[object]
) -> tuple[float, int, int]:
    """One reconciliation of the day, rolled back: (ms, intervals checked, orders in them)."""
    from django.db import transaction
    from django.db.models import Count, Sum

    from ledger.models import BalanceCheck
    from ledger.services import panel_reconcile

    with transaction.atomic():
        _forget_day(panel, start, end)
        with around:
            started = time.perf_counter()
            result = panel_reconcile(panel=panel, now=end)
            ms = (time.perf_counter() - started) * 1000
        made = BalanceCheck.objects.filter(panel=panel, ended_at__gte=start, ended_at__lt=end)
        totals = made.aggregate(n=Count("id"), orders=Sum("orders_placed"))
        transaction.set_rollback(True)
    # Honest only if the run checked the day, all of it and nothing else.
    if result.checked != totals["n"]:
        raise RuntimeError(f"checked {result.checked} intervals, the day has {totals['n']}")
    return ms, result.checked, totals["orders"] or 0


def time_reconciliation(runs: int) -> tuple[int, list[float], str]:
    """Time `panel_reconcile` on one panel's day `runs` times: (queries of one run, ms of each
    run, what was measured). The panel's earlier days are reconciled first (kept, as the
    periodic task would have left them); each measured run is rolled back."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ledger.services import panel_reconcile
    from panels.models import BalanceReading

    panel, day = measured_day()
    start, end = _day_bounds(day)
    panel_reconcile(panel=panel)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ledger_balancecheck, ledger_topup")
    readings = BalanceReading.objects.filter(panel=panel, read_at__gte=start, read_at__lt=end)
    expected = readings.count()
    _run(panel, start, end, nullcontext())  # warm up: the database's buffers, Django's SQL
    with CaptureQueriesContext(connection) as capture:
        _, intervals, orders = _run(panel, start, end, capture)
    if intervals != expected:
        raise RuntimeError(f"checked {intervals} intervals, {expected} readings on {day}")
    times = [_run(panel, start, end, nullcontext())[0] for _ in range(runs)]
    label = f"{panel.name}, {day}: {intervals} intervals, {orders} orders"
    # The service's own transaction is a savepoint here (the run is rolled back), a BEGIN and
    # COMMIT in the periodic task: its two savepoint statements are not the service's queries.
    sql = [q["sql"] for q in capture.captured_queries]
    return len([q for q in sql if "SAVEPOINT" not in q]), times, label
