"""Keeping the report totals (reports/models.py): fold the trigger's change log into the day
tables, convert the closed months (reports/months.py), rebuild them from the orders, and say
whether a report may read them."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from reports import months, totals_sql
from reports.models import TotalsChange, TotalsState


def totals_kept() -> bool:
    """Only PostgreSQL keeps totals (the trigger); SQLite reports read the orders."""
    return connection.vendor == "postgresql"


def totals_usable() -> bool:
    """The totals' days are in the dashboard's time zone: reports may read them."""
    if not totals_kept():
        return False
    state = TotalsState.objects.order_by("pk").first()
    return state is not None and state.zone == settings.TIME_ZONE


def totals_fold() -> int:
    """Fold the change log into the day tables; how many changes were folded (0 while another
    fold runs: it takes them)."""
    if not totals_kept():
        return 0
    upto = TotalsChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    if upto is None:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [totals_sql.FOLD_LOCK])
        if not cursor.fetchone()[0]:
            return 0
        cursor.execute(totals_sql.fold_sql(), {"upto": upto})
        folded = int(cursor.fetchone()[0])
        for sql in totals_sql.DROP_EMPTY:
            cursor.execute(sql)
    return folded


def totals_keep(*, today: date | None = None) -> tuple[int, int]:
    """The periodic step: fold the log, then convert the closed months it left stale (or that
    a new rate or base currency did). (changes folded, months built)."""
    folded = totals_fold()
    if not totals_usable():  # days in another zone: no report reads them until rebuilt
        return folded, 0
    return folded, months.months_refresh(today=today or timezone.localdate())


def totals_rebuild(*, zone: str | None = None) -> None:
    """Count every day table again from the orders, with days in `zone` (TIME_ZONE by
    default). A maintenance step: order writes and reports wait for it (its TRUNCATEs lock
    the tables), tens of seconds at a million orders."""
    if not totals_kept():
        return
    zone = zone or settings.TIME_ZONE
    with transaction.atomic(), connection.cursor() as cursor:
        # After any fold or month build under way: a build holding a month table while this
        # truncates the day tables it reads would deadlock with it.
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [totals_sql.FOLD_LOCK])
        for sql in totals_sql.rebuild_sql():
            cursor.execute(sql, {"zone": zone} if "%(zone)s" in sql else None)
        TotalsState.objects.all().delete()
        TotalsState.objects.create(zone=zone, rebuilt_at=timezone.now())
