"""Stuck orders: placed orders still pending or in progress far longer than their service's
orders usually take, flagged for a person under Needs attention.

How long is "usually" comes from the service's delivery record (orders/delivery.py): twice
the time within which 90 % of its completed orders were done, once it has MIN_COMPLETED of
them. Until then, a default per order: STUCK_AFTER_HOURS, plus a drip-feed's runs ×
interval (it is meant to take that long). Never less than MIN_HOURS, so that a service that
delivers in minutes does not flag orders a sync or two behind.

The check runs on a schedule: it reads the candidate orders and their services' records in
four queries, writes only the flags that changed (one statement per thousand), and clears
the flags of orders that stopped running.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format

from core.bulk import bulk_update_rows, lock_rows
from orders.delivery import DeliveryRecord, delivery_records
from orders.models import RUNNING_ORDER, STATUS_CHOICES, Order

MIN_COMPLETED = 5  # completed orders before a service's own record is trusted
RECORD_FACTOR = 2  # stuck after this many times the service's 90th percentile
MIN_HOURS = 1.0
NOTE_LENGTH = 300  # Order.stuck
STATUS_LABELS = dict(STATUS_CHOICES)


@dataclass(frozen=True)
class Limit:
    hours: float
    why: str  # what "usually" is based on, in words


def _hours(value: float) -> str:
    """3 h, 45 min, 2.5 days: a duration as a person says it."""
    if value < 1:
        return f"{max(1, round(value * 60))} min"
    if value <= 48:
        return f"{value:.3g} h"
    return f"{value / 24:.2g} days"


def stuck_limit(*, record: DeliveryRecord | None, runs: int | None, interval: int | None) -> Limit:
    """How long an order may run before it counts as stuck, and why that long. A drip-feed
    is meant to run its runs × interval on top, whichever the base."""
    drip = runs * interval / 60 if runs and interval else 0.0
    plus = f" plus its {runs} runs every {interval} min" if drip else ""
    if record is not None and record.completed >= MIN_COMPLETED and record.p90_hours is not None:
        hours = max(MIN_HOURS, RECORD_FACTOR * record.p90_hours) + drip
        median = _hours(record.median_hours or 0)
        why = (
            f"this service's orders usually complete in {median}, "
            f"9 in 10 within {_hours(record.p90_hours)}{plus}"
        )
        return Limit(hours, why)
    hours = float(settings.STUCK_AFTER_HOURS)
    why = (
        "this service has no delivery record yet, so the default limit of "
        f"{_hours(hours)}{plus} applies"
    )
    return Limit(max(MIN_HOURS, hours + drip), why)


def stuck_note(*, status: str, placed: datetime, limit: Limit) -> str:
    """Why an order counts as stuck, in words, for the list and its page."""
    shown = STATUS_LABELS.get(status, status).lower()
    since = date_format(timezone.localtime(placed), "j M H:i")
    return f"Still {shown} since it was placed on {since}; {limit.why}."[:NOTE_LENGTH]


@dataclass(frozen=True)
class StuckCheck:
    running: int  # placed orders still pending or in progress, old enough to be stuck
    stuck: int  # of those, flagged stuck now
    flagged: int  # flags written (new or reworded)
    cleared: int  # flags taken off orders no longer stuck


def orders_flag_stuck(*, now: datetime | None = None) -> StuckCheck:
    """Flag the running orders that are past their service's usual time; clear the others."""
    now = now or timezone.now()
    candidates = list(
        Order.objects.filter(RUNNING_ORDER, placed_at__lt=now - timedelta(hours=MIN_HOURS))
        .order_by()
        .values("pk", "service_id", "status", "placed_at", "runs", "interval", "stuck")
    )
    records = delivery_records(by="service", ids={o["service_id"] for o in candidates}, now=now)
    changed: list[Order] = []
    stuck = 0
    for order in candidates:
        limit = stuck_limit(
            record=records.get(order["service_id"]), runs=order["runs"], interval=order["interval"]
        )
        placed = order["placed_at"]
        assert placed is not None  # the filter above
        running = (now - placed).total_seconds() / 3600
        note = stuck_note(status=order["status"], placed=placed, limit=limit)
        note = note if running > limit.hours else ""
        stuck += bool(note)
        if note != order["stuck"]:
            changed.append(Order(pk=order["pk"], stuck=note))
    with transaction.atomic():  # a status sync may be writing these orders: one lock order
        lock_rows(Order, (order.pk for order in changed))
        bulk_update_rows(Order, changed, ["stuck"])
    # Orders that stopped running keep no flag (the index on flagged orders keeps this small).
    ended = Order.objects.exclude(stuck="").exclude(RUNNING_ORDER).update(stuck="")
    flagged = sum(1 for order in changed if order.stuck)
    return StuckCheck(
        running=len(candidates),
        stuck=stuck,
        flagged=flagged,
        cleared=ended + len(changed) - flagged,
    )
