"""Balance reconciliation: between two consecutive readings of a panel's balance, did it move
by what the orders say?

    expected = − Σ charge of the orders placed in (start.read_at, end.read_at]
               + Σ refund of the orders whose refund was seen in it
               + Σ confirmed top-ups in it
    (the charge is what the panel took at placement, see orders/services/refunds.py)
    actual   = end.amount − start.amount

A difference beyond the tolerance (settings.LEDGER_TOLERANCE, LEDGER_TOLERANCE_SHARE) flags
the interval; an unexplained rise is offered as a top-up to confirm. Results are stored (one
`BalanceCheck` per interval) so pages only read them, and worked out incrementally: each run
checks the readings that came since the last check. Sums are the database's (one grouped query
per kind for a whole batch of intervals, over the indexes `order_panel_placed`,
`order_panel_refund_seen` and `topup_panel_state_at`), never a loop over orders.

Decisions:
- An order's charge arrives with its first status answer, after the balance already moved.
  Until then its estimate stands in, the check counts how many did (`estimated`), and it is
  worked out again on later runs until every charge is known (for RECHECK_DAYS before the
  panel's latest check).
- Amounts are compared in the panel's own currency. A reading in another currency than the
  one before, or orders in another currency than the balance, break the chain: that interval
  is "not compared" and says why; no rate is guessed.
- Timing: see settle.py (a refund the panel made before our status sync saw it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from ledger.models import BalanceCheck, TopUp
from ledger.services.settle import checks_settle
from ledger.services.suggestions import suggestions_sync
from orders.models import Order
from panels.models import BalanceReading, Panel

BATCH = 100  # readings per pass: each pass is a handful of queries whatever the orders
RECHECK_DAYS = 7
ZERO = Decimal(0)
WRITTEN = (
    "panel",
    "start",
    "started_at",
    "ended_at",
    "currency",
    "actual",
    "charges",
    "refunds",
    "top_ups",
    "expected",
    "difference",
    "tolerance",
    "orders_placed",
    "refunds_seen",
    "estimated",
    "result",
    "note",
    "checked_at",
)


@dataclass
class _Bucket:
    """What one interval's orders and top-ups add up to."""

    charges: Decimal = ZERO
    placed: int = 0
    estimated: int = 0
    refunds: Decimal = ZERO
    refunds_seen: int = 0
    top_ups: Decimal = ZERO
    currencies: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ReconcileResult:
    checked: int
    flagged: int


def _bucket_of(name: str, bounds: Sequence[datetime]) -> Case:
    """Which interval a moment falls in: i for (bounds[i - 1], bounds[i]]."""
    whens = [When(**{f"{name}__lte": at}, then=Value(i)) for i, at in enumerate(bounds[1:], 1)]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _in(name: str, bounds: Sequence[datetime]) -> Q:
    return Q(**{f"{name}__gt": bounds[0], f"{name}__lte": bounds[-1]})


def _grouped(qs: QuerySet, name: str, bounds: Sequence[datetime], **sums: object) -> QuerySet:
    return (
        qs.filter(_in(name, bounds))
        .annotate(bucket=_bucket_of(name, bounds))
        .values("bucket", *(["currency"] if qs.model is Order else []))
        .annotate(**sums)
        .order_by()
    )


def _buckets(panel: Panel, bounds: Sequence[datetime]) -> dict[int, _Bucket]:
    """Three grouped queries for all the intervals between `bounds`."""
    buckets: dict[int, _Bucket] = defaultdict(_Bucket)
    orders = Order.objects.filter(panel=panel)
    # What was taken when the order was placed (orders/services/refunds.py), or the estimate
    # while the panel has reported no charge.
    charged = Coalesce("charge", "estimated_cost")
    for row in _grouped(
        orders,
        "placed_at",
        bounds,
        total=Sum(charged),
        n=Count("id"),
        estimated=Count("id", filter=Q(charge__isnull=True)),
    ):
        bucket = buckets[row["bucket"]]
        bucket.charges += row["total"] or ZERO
        bucket.placed += row["n"]
        bucket.estimated += row["estimated"]
        bucket.currencies.add(row["currency"])
    for row in _grouped(orders, "refund_seen_at", bounds, total=Sum("refund"), n=Count("id")):
        bucket = buckets[row["bucket"]]
        bucket.refunds += row["total"] or ZERO
        bucket.refunds_seen += row["n"]
        bucket.currencies.add(row["currency"])
    confirmed = TopUp.objects.filter(panel=panel, state=TopUp.State.CONFIRMED)
    for row in _grouped(confirmed, "at", bounds, total=Sum("amount")):
        buckets[row["bucket"]].top_ups += row["total"] or ZERO
    return buckets


def _currency_note(start: BalanceReading, end: BalanceReading, currencies: set[str]) -> str:
    if start.currency != end.currency:
        return (
            f"The balance was in {start.currency or '(no currency)'}, then in "
            f"{end.currency or '(no currency)'}: not compared, no exchange rate is guessed."
        )
    others = sorted(c for c in currencies if c and c != end.currency)
    if others:
        return (
            f"Orders in {', '.join(others)} against a balance in {end.currency or '(none)'}: "
            "not compared, no exchange rate is guessed."
        )
    return ""


def _check(
    panel: Panel, start: BalanceReading, end: BalanceReading, bucket: _Bucket, now: datetime
) -> BalanceCheck:
    expected = -bucket.charges + bucket.refunds + bucket.top_ups
    actual = end.amount - start.amount
    moved = bucket.charges + bucket.refunds
    tolerance = max(settings.LEDGER_TOLERANCE, settings.LEDGER_TOLERANCE_SHARE * moved)
    note = _currency_note(start, end, bucket.currencies)
    return BalanceCheck(
        panel=panel,
        start=start,
        end=end,
        started_at=start.read_at,
        ended_at=end.read_at,
        currency=end.currency,
        actual=actual,
        charges=bucket.charges,
        refunds=bucket.refunds,
        top_ups=bucket.top_ups,
        expected=expected,
        difference=actual - expected,
        tolerance=tolerance,
        orders_placed=bucket.placed,
        refunds_seen=bucket.refunds_seen,
        estimated=bucket.estimated,
        # Worked out from the numbers by checks_settle; a broken chain stays broken.
        result=BalanceCheck.Result.BROKEN if note else BalanceCheck.Result.OK,
        note=note,
        checked_at=now,
    )


def _computed(
    panel: Panel, readings: Sequence[BalanceReading], now: datetime
) -> list[BalanceCheck]:
    """The checks of consecutive `readings` (oldest first), not saved."""
    if len(readings) < 2:
        return []
    buckets = _buckets(panel, [r.read_at for r in readings])
    return [
        _check(panel, start, end, buckets[i], now)
        for i, (start, end) in enumerate(pairwise(readings), 1)
    ]


def _save(panel: Panel, checks: list[BalanceCheck]) -> list[BalanceCheck]:
    """Store `checks` (new or again), settled with their stored neighbours; the stored rows."""
    if not checks:
        return []
    before = BalanceCheck.objects.filter(panel=panel, end_id=checks[0].start_id).first()
    after = BalanceCheck.objects.filter(panel=panel, start_id=checks[-1].end_id).first()
    neighbours = [c for c in (before, after) if c is not None]
    ordered = ([before] if before else []) + checks + ([after] if after else [])
    changed = checks_settle(ordered)
    BalanceCheck.objects.bulk_create(
        checks,
        update_conflicts=True,
        unique_fields=["end"],
        update_fields=list(WRITTEN),
    )
    if moved := [c for c in changed if c in neighbours]:
        BalanceCheck.objects.bulk_update(moved, ["result", "note"])
    stored = list(
        BalanceCheck.objects.filter(end_id__in=[c.end_id for c in ordered]).order_by("ended_at")
    )
    suggestions_sync(checks=stored)
    ends = {c.end_id for c in checks}
    return [c for c in stored if c.end_id in ends]


def panel_reconcile(*, panel: Panel, now: datetime | None = None) -> ReconcileResult:
    """Check the intervals since the panel's last check, and again those that counted an
    estimate for a charge not yet reported (up to RECHECK_DAYS back)."""
    now = now or timezone.now()
    checked = flagged = 0
    with transaction.atomic():
        # One reconciliation of a panel at a time (a second one waits, then finds no work).
        Panel.objects.select_for_update().filter(pk=panel.pk).first()
        for stored in [*_recheck_estimated(panel, now), *_check_new(panel, now)]:
            checked += 1
            flagged += stored.is_flagged
    return ReconcileResult(checked=checked, flagged=flagged)


def _check_new(panel: Panel, now: datetime) -> list[BalanceCheck]:
    done: list[BalanceCheck] = []
    while True:
        last = BalanceCheck.objects.filter(panel=panel).order_by("-ended_at", "-id").first()
        readings = BalanceReading.objects.filter(panel=panel).order_by("read_at", "id")
        if last is not None:
            readings = readings.filter(Q(read_at__gt=last.ended_at) | Q(pk=last.end_id))
        batch = list(readings[: BATCH + 1])
        if len(batch) < 2:
            return done
        done += _save(panel, _computed(panel, batch, now))


def _recheck_estimated(panel: Panel, now: datetime) -> list[BalanceCheck]:
    latest = BalanceCheck.objects.filter(panel=panel).order_by("-ended_at").first()
    if latest is None:
        return []
    # Measured from the panel's latest check, not the clock: a panel read again after a
    # pause still has its pending charges looked at.
    waiting = BalanceCheck.objects.filter(
        panel=panel,
        estimated__gt=0,
        ended_at__gte=latest.ended_at - timedelta(days=RECHECK_DAYS),
    ).select_related("start", "end")
    done: list[BalanceCheck] = []
    for check in waiting:
        done += _save(panel, _computed(panel, [check.start, check.end], now))
    return done


def interval_recheck(*, panel: Panel, at: datetime, now: datetime | None = None) -> None:
    """Work out again the check whose interval holds `at` (a top-up was recorded there)."""
    now = now or timezone.now()
    with transaction.atomic():
        Panel.objects.select_for_update().filter(pk=panel.pk).first()
        for check in BalanceCheck.objects.filter(
            panel=panel, started_at__lt=at, ended_at__gte=at
        ).select_related("start", "end"):
            _save(panel, _computed(panel, [check.start, check.end], now))
