"""Reads for the bulk pages: a bulk action's items and their count per outcome, the history
of bulk actions and uploads, and the refills list."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from orders.models import BulkAction, BulkItem, Refill, Upload
from panels.models import Panel


def bulk_items(*, bulk: BulkAction, outcome: str = "") -> QuerySet[BulkItem]:
    """The action's items in the order they were taken, with their order's panel and refill;
    only those of `outcome` when one is given."""
    items = bulk.items.select_related("order__panel", "refill").order_by("id")
    return items.filter(outcome=outcome) if outcome else items


def bulk_outcome_counts(*, bulk: BulkAction) -> dict[str, int]:
    """How many of the action's items have each outcome, every outcome present. One query."""
    counts = dict.fromkeys(BulkItem.Outcome.values, 0)
    grouped = bulk.items.order_by().values_list("outcome").annotate(n=Count("pk"))
    counts.update(dict(grouped.values_list("outcome", "n")))
    return counts


def bulk_actions() -> QuerySet[BulkAction]:
    """Every bulk action, newest first, with who asked for it."""
    return BulkAction.objects.select_related("created_by").order_by("-created_at", "-id")


def uploads_latest(*, limit: int) -> list[Upload]:
    return list(Upload.objects.select_related("uploaded_by", "panel")[:limit])


def refill_search(*, panel_id: int | None = None, status: str = "") -> QuerySet[Refill]:
    """Refills asked of the panels, newest first; of one panel and in one status when given."""
    rows = Refill.objects.select_related("order__panel", "requested_by")
    if panel_id:
        rows = rows.filter(order__panel_id=panel_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-created_at", "-id")


def refill_panel_choices() -> list[tuple[int, str]]:
    """The panels that have refills, by name: the refills list's panel filter."""
    panels = Panel.objects.filter(orders__refills__isnull=False).distinct().order_by("name")
    return list(panels.values_list("pk", "name"))
