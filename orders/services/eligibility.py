"""Which orders a refill, a cancel or a cancel that re-places the remains may act on, and why
the others may not (orders/services/bulk.py previews and records this)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from orders.models import BulkAction, Order, Refill, RemainsReplacement
from orders.services.remains import can_replace_remains
from panels.api.normalise import RefillStatus, Status
from panels.models import Service
from panels.selectors.catalog import split_from_its_offer

Kind = BulkAction.Kind

REFILLABLE = frozenset({Status.COMPLETED, Status.PARTIAL})
CANCELABLE = frozenset(
    {Status.PENDING, Status.IN_PROGRESS, Status.PROCESSING, Status.ACTIVE, Status.PAUSED}
)
NOT_ELIGIBLE = {
    "not_placed": "It was never placed on the panel.",
    "no_refill": "The service does not offer refill.",
    "no_cancel": "The service does not offer cancel.",
    "panel_no_cancel": "The panel has no cancel action.",
    "status_refill": "Only completed or partial orders can be refilled.",
    "status_cancel": "Only orders still running can be canceled.",
    "refill_pending": "A refill of this order is still in progress.",
    "refill_expired": "Past the service's refill period (counted from when it was placed).",
    "no_replace": "Only a quantity of one link can be re-placed in part (not drip-feed runs, "
    "a package, a list of comments or a subscription).",
    "no_offer": "No other panel carries this offer: its remains would have nowhere to go.",
    "replacing": "Its remains are already being re-placed.",
    "replaced": "Its remains were already re-placed, or found not to need it.",
}
_FIELDS = (
    "pk",
    "panel_id",
    "panel__name",
    "panel__supports_cancel",
    "state",
    "status",
    "remote_id",
    "service__refill",
    "service__cancel",
    "service__refill_days",
    "placed_at",
    "order_type",
    "runs",
    "route",
    "replace_remains",
    "service__match_key",
)


def _offer_key(row: dict[str, Any]) -> str:
    """The offer an order's remains are re-placed as: its route's, or its service's."""
    return (row["route"] or {}).get("key") or row["service__match_key"] or ""


def _reason(kind: str, row: dict[str, Any], elsewhere: _Elsewhere, now: datetime) -> str:
    if row["state"] != Order.State.PLACED or not row["remote_id"]:
        return "not_placed"
    if kind == Kind.REFILL:
        if not row["service__refill"]:
            return "no_refill"
        if row["status"] not in REFILLABLE:
            return "status_refill"
        days, placed = row["service__refill_days"], row["placed_at"]
        if days and placed is not None and placed + timedelta(days=days) < now:
            return "refill_expired"  # Order.refill_until, for many rows at once
        return "refill_pending" if row["pk"] in elsewhere.refilling else ""
    if not row["panel__supports_cancel"]:
        return "panel_no_cancel"
    if not row["service__cancel"]:
        return "no_cancel"
    if row["status"] not in CANCELABLE:
        return "status_cancel"
    if kind != Kind.REPLACE:
        return ""
    if row["replace_remains"] == RemainsReplacement.ASKED:
        return "replacing"
    if row["replace_remains"]:
        return "replaced"
    if not can_replace_remains(order_type=row["order_type"], runs=row["runs"]):
        return "no_replace"
    panels = elsewhere.offered.get(_offer_key(row), set())
    return "" if panels - {row["panel_id"]} else "no_offer"


@dataclass(frozen=True)
class _Elsewhere:
    """What an order's eligibility reads beyond its own row."""

    refilling: set[int] = field(default_factory=set)  # orders with a refill under way
    offered: dict[str, set[int]] = field(default_factory=dict)  # offer key: panels carrying it


def _refilling(order_ids: QuerySet[Order, Any]) -> set[int]:
    """Orders with a refill the panel is still working on."""
    return set(
        Refill.objects.filter(order__in=order_ids, remote_id__isnull=False)
        .exclude(status__in=RefillStatus.FINAL)
        .values_list("order_id", flat=True)
    )


def _offered(keys: set[str]) -> dict[str, set[int]]:
    """{offer key: the active panels with an active service of it}. One query."""
    found: dict[str, set[int]] = {}
    carried = Service.objects.filter(
        match_key__in=keys, is_active=True, panel__is_active=True
    ).exclude(split_from_its_offer())  # a service a person split off is never routed as it
    for key, panel_id in carried.order_by().values_list("match_key", "panel_id").distinct():
        found.setdefault(key, set()).add(panel_id)
    return found


def eligibility_rows(kind: str, orders: QuerySet[Order]) -> Iterable[tuple[dict[str, Any], str]]:
    """Each order's row and why it cannot take part ("" when it can). Two queries at most."""
    now = timezone.now()
    rows: Iterable[dict[str, Any]] = orders.order_by().values(*_FIELDS).iterator(chunk_size=2000)
    if kind == Kind.REFILL:
        elsewhere = _Elsewhere(refilling=_refilling(orders.values("pk")))
    elif kind == Kind.REPLACE:
        rows = list(rows)  # the offers of every row are read first, at once
        elsewhere = _Elsewhere(offered=_offered({_offer_key(row) for row in rows} - {""}))
    else:
        elsewhere = _Elsewhere()
    for row in rows:
        yield row, _reason(kind, row, elsewhere, now)
