"""Delivery records: how a panel (or one of its services) has delivered what we sent it, from
our orders' history, so that "cheapest" can be read next to "delivers".

Over the orders created in the last DELIVERY_DAYS: how many were sent (placed, refused or of
unknown outcome), how long a completed one took from placed to finished (median and 90th
percentile, as our status sync saw it: within one sync interval), and the shares that ended
partial, canceled, refunded, refused or unknown; over the refills asked for those orders, the
share the panel completed. Summed by the database in one query for the orders and one for the
refills, whatever the number of orders.
"""

from __future__ import annotations

import contextlib
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Q, QuerySet

from orders.models import Order, Refill
from panels.api.normalise import RefillStatus, Status
from panels.models import Panel

DELIVERY_DAYS = 90
KEYS = {"panel": "panel_id", "service": "service_id"}
SENT = (Order.State.PLACED, Order.State.REJECTED, Order.State.UNKNOWN)


@dataclass(frozen=True)
class DeliveryRecord:
    sent: int = 0
    completed: int = 0
    partial: int = 0
    canceled: int = 0
    refunded: int = 0
    refused: int = 0
    unknown: int = 0
    median_hours: float | None = None  # placed → finished, completed orders
    p90_hours: float | None = None
    refills: int = 0  # refills that ended
    refills_done: int = 0

    def share(self, count: int) -> str:
        """ "12%" of the orders sent; "—" with none."""
        return f"{count / self.sent:.0%}" if self.sent else "—"

    @property
    def partial_share(self) -> str:
        return self.share(self.partial)

    @property
    def canceled_share(self) -> str:
        return self.share(self.canceled)

    @property
    def refunded_share(self) -> str:
        return self.share(self.refunded)

    @property
    def refused_share(self) -> str:
        return self.share(self.refused)

    @property
    def ended(self) -> int:
        """Orders sent that ended: completed, partial, canceled, refunded, refused or unknown."""
        return (
            self.completed + self.partial + self.canceled + self.refunded + self.refused
            + self.unknown
        )  # fmt: skip

    @property
    def refill_success(self) -> str:
        return f"{self.refills_done / self.refills:.0%}" if self.refills else "—"


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


def _orders(by: str, ids: Iterable[int], since: datetime) -> QuerySet[Order]:
    key = KEYS[by]
    return Order.objects.filter(**{f"{key}__in": list(ids)}, created_at__gte=since).order_by()


def _durations(orders: QuerySet[Order], key: str) -> dict[int, tuple[float | None, float | None]]:
    """{id: (median, p90)} seconds from placed to finished over the completed orders; the
    database's percentiles on PostgreSQL, Python's over the rows elsewhere (a laptop's few)."""
    done = orders.filter(
        status=Status.COMPLETED, placed_at__isnull=False, finished_at__isnull=False
    )
    if connection.vendor == "postgresql":
        inner, params = done.values(key, "placed_at", "finished_at").query.sql_with_params()
        took = "EXTRACT(EPOCH FROM d.finished_at - d.placed_at)"
        sql = f"""SELECT d.{key},
            percentile_cont(0.5) WITHIN GROUP (ORDER BY {took}),
            percentile_cont(0.9) WITHIN GROUP (ORDER BY {took})
            FROM ({inner}) AS d GROUP BY d.{key}"""  # noqa: S608 (Django's SQL and a known column)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}
    seconds: dict[int, list[float]] = {}
    for owner, placed, finished in done.values_list(key, "placed_at", "finished_at"):
        seconds.setdefault(owner, []).append((finished - placed).total_seconds())
    return {owner: (statistics.median(found), _p90(found)) for owner, found in seconds.items()}


def _p90(values: list[float]) -> float:
    """As PostgreSQL's percentile_cont(0.9): linear between the two nearest values."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=10, method="inclusive")[-1]


def _counts(orders: QuerySet[Order], key: str) -> QuerySet[Order, dict[str, Any]]:
    """Per panel or service: the orders sent, and how many ended each way. One query."""
    placed = Q(state=Order.State.PLACED)
    return (
        orders.filter(state__in=SENT)
        .values(key)
        .annotate(
            sent=Count("pk"),
            completed=Count("pk", filter=placed & Q(status=Status.COMPLETED)),
            partial=Count("pk", filter=placed & Q(status=Status.PARTIAL)),
            canceled=Count("pk", filter=placed & Q(status=Status.CANCELED)),
            refunded=Count("pk", filter=placed & Q(status=Status.REFUNDED)),
            refused=Count("pk", filter=Q(state=Order.State.REJECTED)),
            unknown=Count("pk", filter=Q(state=Order.State.UNKNOWN)),
        )
    )


def delivery_records(
    *, by: str, ids: Iterable[int], now: datetime, days: int = DELIVERY_DAYS
) -> dict[int, DeliveryRecord]:
    """{panel or service id: its record} over the orders created in the last `days`. Three
    queries: the counts, the times, the refills."""
    key, ids = KEYS[by], list(ids)
    since = now - timedelta(days=days)
    orders = _orders(by, ids, since)
    counts = _counts(orders, key)
    times = _durations(orders, key)
    refills = (
        Refill.objects.filter(**{f"order__{key}__in": ids}, order__created_at__gte=since)
        .filter(status__in=RefillStatus.FINAL)
        .order_by()
        .values(f"order__{key}")
        .annotate(ended=Count("pk"), done=Count("pk", filter=Q(status=RefillStatus.COMPLETED)))
    )
    ended = {row[f"order__{key}"]: (row["ended"], row["done"]) for row in refills}
    records = {}
    for row in counts:
        owner = row.pop(key)
        median, p90 = times.get(owner, (None, None))
        refill_count, refills_done = ended.get(owner, (0, 0))
        records[owner] = DeliveryRecord(
            **row,
            median_hours=_hours(median),
            p90_hours=_hours(p90),
            refills=refill_count,
            refills_done=refills_done,
        )
    return records


COMPLETION_CACHE_KEY = "routing:panel-completion"
COMPLETION_CACHE_SECONDS = 600


def panel_completion(*, now: datetime) -> dict[int, tuple[int, int]]:
    """{panel id: (orders completed, orders ended)} over the last DELIVERY_DAYS, for routing
    limited by the delivery record. Kept for COMPLETION_CACHE_SECONDS (a record moves
    slowly, and reading it sums 90 days of orders), so a routing decision reads no more
    queries than without it; read afresh when the cache is out of reach."""
    try:
        found = cache.get(COMPLETION_CACHE_KEY)
    except Exception:  # the cache (Redis) is down: read the record, as it is now
        found = None
    if found is not None:
        return dict(found)
    # The counts alone (not the times or refills a full record reads): one query.
    since = now - timedelta(days=DELIVERY_DAYS)
    panels = Panel.objects.values_list("pk", flat=True)
    found = {}
    for row in _counts(_orders("panel", panels, since), KEYS["panel"]):
        record = DeliveryRecord(**{k: v for k, v in row.items() if k != KEYS["panel"]})
        found[row[KEYS["panel"]]] = (record.completed, record.ended)
    with contextlib.suppress(Exception):
        cache.set(COMPLETION_CACHE_KEY, found, COMPLETION_CACHE_SECONDS)
    return found
