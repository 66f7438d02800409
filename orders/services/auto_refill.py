"""Auto-refill: a refill asked for an order every N days, by itself, while the service's refill
period is open.

Only where the service offers refill and states its period (`refill_days`): without a known
end, a schedule could ask forever. An order is due once it is completed or partial, no
refill of it is under way, and the last time a refill of it was asked (in a bulk refill,
whatever came of it: done, refused, no answer, or still waiting to be sent), or its last
refill, or before any its placing, is at least N days ago. The due orders go out as one bulk
refill (orders/services/bulk.py), with the same eligibility rules and outcomes as a
person's, recorded as "Auto-refill". A refill the panel refuses, or whose answer was lost,
is asked again N days later, never sooner; past the period the order is no longer due, and
its schedule ends by itself.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone

from orders.models import BulkAction, Order, Refill
from orders.services.bulk import bulk_create
from panels.api.normalise import RefillStatus, Status

MAX_EVERY_DAYS = 365
DUE_STATUSES = (Status.COMPLETED, Status.PARTIAL)


def order_set_auto_refill(*, order: Order, every_days: int | None) -> None:
    """Ask for a refill of `order` every `every_days` while its refill period is open; None
    stops it. ValidationError when the order cannot be refilled by schedule."""
    if every_days is not None:
        if not 1 <= every_days <= MAX_EVERY_DAYS:
            raise ValidationError(f"Every 1 to {MAX_EVERY_DAYS} days.")
        if not order.service.refill:
            raise ValidationError("The service does not offer refill.")
        if not order.service.refill_days:
            raise ValidationError(
                "The service states no refill period: a schedule would never end. "
                "Ask for refills by hand instead."
            )
        until = order.refill_until
        if until is not None and until <= timezone.now():
            raise ValidationError("Its refill period is over.")
    order.auto_refill_days = every_days
    order.save(update_fields=["auto_refill_days"])


def orders_auto_refill_due(*, now: datetime) -> list[int]:
    """The ids of the orders whose auto-refill is due now. One query (over the orders with a
    schedule, not every order)."""
    underway = Refill.objects.filter(order=OuterRef("pk")).exclude(status__in=RefillStatus.FINAL)
    rows = (
        Order.objects.filter(
            auto_refill_days__isnull=False,
            state=Order.State.PLACED,
            status__in=DUE_STATUSES,
            placed_at__isnull=False,
            service__refill=True,
            service__refill_days__gt=0,
        )
        .annotate(
            last_refill=Max("refills__created_at"),
            last_asked=Max(
                "bulk_items__bulk__created_at",
                filter=Q(bulk_items__bulk__kind=BulkAction.Kind.REFILL),
            ),
            underway=Exists(underway),
        )
        .filter(underway=False)
        .order_by("pk")
        .values_list(
            "pk", "placed_at", "service__refill_days", "auto_refill_days", "last_refill",
            "last_asked",
        )
    )  # fmt: skip
    due = []
    for pk, placed, period, every, last_refill, last_asked in rows:
        if placed is None or every is None or not period:
            continue  # ruled out by the filter above
        since = max(at for at in (placed, last_refill, last_asked) if at is not None)
        if placed + timedelta(days=period) > now and since + timedelta(days=every) <= now:
            due.append(pk)
    return due


def orders_auto_refill(*, now: datetime | None = None) -> BulkAction | None:
    """Queue one bulk refill of every order due now; None when none is."""
    due = orders_auto_refill_due(now=now or timezone.now())
    if not due:
        return None
    return bulk_create(
        kind=BulkAction.Kind.REFILL,
        orders=Order.objects.filter(pk__in=due),
        token=uuid.uuid4(),
        description=f"Auto-refill of {len(due)} order{'s' if len(due) != 1 else ''}",
    )
