"""Refill or cancel many orders at once, and follow refills.

A preview says which orders are eligible and why the others are not. Confirming creates one
BulkAction (its token makes a second submit find the first), and a task sends the eligible
orders panel by panel, 100 ids per call, recording every order's outcome as it goes. Single
orders use the same path with a selection of one.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.models import BulkAction, BulkItem, Order, Refill
from orders.services.status import orders_refresh
from panels.api.answer_values import UNUSABLE, clean
from panels.api.client import PanelClient
from panels.api.errors import ItemError, PanelError, Reason
from panels.api.normalise import RefillStatus, Status
from panels.api.wire import BATCH_SIZE
from panels.models import Panel
from panels.services import balance_refresh_soon, panel_mark_failing

logger = logging.getLogger(__name__)
Kind = BulkAction.Kind
Outcome = BulkItem.Outcome

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
}
# Errors that are not a refusal by the panel. An answer that cannot be used (a refill id
# "NaN", a cancel answered "maybe") may hide a done refill or cancel: its outcome is unknown.
OUTCOMES = {
    Reason.OUTCOME_UNKNOWN: Outcome.UNKNOWN,
    Reason.NOT_SENT: Outcome.NOT_SENT,
    UNUSABLE: Outcome.UNKNOWN,
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
)


def _reason(kind: str, row: dict[str, Any], refilling: set[int], now: datetime) -> str:
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
        return "refill_pending" if row["pk"] in refilling else ""
    if not row["panel__supports_cancel"]:
        return "panel_no_cancel"
    if not row["service__cancel"]:
        return "no_cancel"
    return "" if row["status"] in CANCELABLE else "status_cancel"


def _refilling(order_ids: QuerySet[Order, Any]) -> set[int]:
    """Orders with a refill the panel is still working on."""
    return set(
        Refill.objects.filter(order__in=order_ids, remote_id__isnull=False)
        .exclude(status__in=RefillStatus.FINAL)
        .values_list("order_id", flat=True)
    )


@dataclass
class PanelPreview:
    name: str
    eligible: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


@dataclass
class BulkPreview:
    kind: str
    total: int = 0
    eligible: int = 0
    panels: dict[int, PanelPreview] = field(default_factory=dict)

    @property
    def eligible_panels(self) -> int:
        """How many panels the eligible orders go to (not those of the orders left out)."""
        return sum(1 for panel in self.panels.values() if panel.eligible)

    def reasons(self) -> list[tuple[str, str, int]]:
        """(panel, plain reason, count) for every group of orders left out."""
        return [
            (p.name, NOT_ELIGIBLE[r], n)
            for p in self.panels.values()
            for r, n in p.reasons.most_common()
        ]


def _rows(kind: str, orders: QuerySet[Order]) -> Iterable[tuple[dict[str, Any], str]]:
    refilling = _refilling(orders.values("pk")) if kind == Kind.REFILL else set()
    now = timezone.now()
    for row in orders.order_by().values(*_FIELDS).iterator(chunk_size=2000):
        yield row, _reason(kind, row, refilling, now)


def bulk_preview(*, kind: str, orders: QuerySet[Order]) -> BulkPreview:
    """Which of these orders can be refilled (or canceled), and why the others cannot.
    Two queries, whatever the number of orders."""
    preview = BulkPreview(kind=kind)
    for row, reason in _rows(kind, orders):
        panel = preview.panels.setdefault(row["panel_id"], PanelPreview(row["panel__name"]))
        preview.total += 1
        if reason:
            panel.reasons[reason] += 1
        else:
            panel.eligible += 1
            preview.eligible += 1
    return preview


def bulk_create(
    *,
    kind: str,
    orders: QuerySet[Order],
    token: uuid.UUID,
    user: Any = None,
    description: str = "",
    enqueue: bool = True,
) -> BulkAction:
    """Record the action with every order's eligibility and queue it, once per token.
    `enqueue=False`: the caller runs it now; if it never does, the sweep starts it later."""
    with transaction.atomic():
        bulk, created = BulkAction.objects.get_or_create(
            token=token, defaults={"kind": kind, "created_by": user, "description": description}
        )
        if not created:
            return bulk  # a double click or a resubmitted form: the first one stands
        items = [
            BulkItem(
                bulk=bulk,
                order_id=row["pk"],
                reason=reason,
                outcome=Outcome.SKIPPED if reason else Outcome.PENDING,
                message=NOT_ELIGIBLE.get(reason, ""),
            )
            for row, reason in _rows(kind, orders)
        ]
        BulkItem.objects.bulk_create(items, batch_size=2000)
        bulk.total = len(items)
        bulk.eligible = sum(1 for item in items if not item.reason)
        bulk.save(update_fields=["total", "eligible"])
        if enqueue:
            # Robust: with the broker down the action is saved and the sweep starts it later.
            transaction.on_commit(lambda: _enqueue(bulk.pk), robust=True)
    return bulk


def bulk_ids_not_started(*, older_than: timedelta) -> list[int]:
    """Actions still queued this long after they were confirmed: their task never arrived
    (the broker was down, or lost it). Starting one twice is harmless: the task claims it."""
    cutoff = timezone.now() - older_than
    return list(
        BulkAction.objects.filter(state=BulkAction.State.QUEUED, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _enqueue(bulk_id: int) -> None:
    from orders.tasks import bulk_run  # the tasks import the services

    bulk_run.delay(bulk_id)


def bulk_execute(*, bulk_id: int) -> BulkAction | None:
    """Send the pending orders, panel by panel, 100 per call. Runs once per action."""
    claimed = BulkAction.objects.filter(pk=bulk_id, state=BulkAction.State.QUEUED).update(
        state=BulkAction.State.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    bulk = BulkAction.objects.get(pk=bulk_id)
    by_panel: dict[int, list[BulkItem]] = defaultdict(list)
    for item in bulk.items.filter(outcome=Outcome.PENDING).select_related("order"):
        by_panel[item.order.panel_id].append(item)
    for panel in Panel.objects.filter(pk__in=by_panel):
        items = by_panel[panel.pk]
        for start in range(0, len(items), BATCH_SIZE):
            _send_chunk(bulk, panel, items[start : start + BATCH_SIZE])
    BulkAction.objects.filter(pk=bulk.pk).update(
        state=BulkAction.State.DONE, finished_at=timezone.now()
    )
    # A cancel gives money back (and some panels charge a refill): read the balances again.
    balance_refresh_soon(panel_ids=by_panel)
    bulk.refresh_from_db()
    return bulk


def _send_chunk(bulk: BulkAction, panel: Panel, items: list[BulkItem]) -> None:
    by_remote = {str(item.order.remote_id): item for item in items}  # placed: it has one
    client = panel.client()
    try:
        if bulk.kind == Kind.REFILL:
            answers: dict[str, Any] = client.refills(list(by_remote))
        else:
            answers = client.cancel(list(by_remote))
    except PanelError as exc:  # a bad key: nothing of this chunk was done
        answers = {rid: ItemError(exc.message, Reason.NOT_SENT) for rid in by_remote}
    refills: list[Refill] = []
    for remote_id, item in by_remote.items():
        answer = answers[remote_id]
        error: ItemError | None = answer if isinstance(answer, ItemError) else answer.error
        if error is None:
            item.outcome, item.message = Outcome.DONE, ""
            if bulk.kind == Kind.REFILL:
                refill = Refill(
                    order=item.order,
                    remote_id=answer.refill_id,
                    status=RefillStatus.PENDING,
                    requested_by=bulk.created_by,
                )
                refills.append(refill)
                item.refill = refill
            continue
        item.outcome = OUTCOMES.get(error.reason, Outcome.REJECTED)
        item.reason, item.message = error.reason, clean(error.message or error.text)[:500]
    if (
        bulk.kind == Kind.CANCEL
        and items
        and all(i.reason == Reason.INCORRECT_REQUEST for i in items)
    ):
        Panel.objects.filter(pk=panel.pk).update(supports_cancel=False)
    with transaction.atomic():
        Refill.objects.bulk_create(refills)
        for item in items:  # refill ids are set now that the refills exist
            item.refill_id = item.refill.pk if item.refill else None
        BulkItem.objects.bulk_update(items, ["outcome", "reason", "message", "refill"])
        done = sum(1 for i in items if i.outcome == Outcome.DONE)
        BulkAction.objects.filter(pk=bulk.pk).update(
            sent=bulk.sent + len(items),
            succeeded=bulk.succeeded + done,
            failed=bulk.failed + len(items) - done,
        )
        bulk.sent, bulk.succeeded = bulk.sent + len(items), bulk.succeeded + done
        bulk.failed += len(items) - done


def order_why_not(*, order: Order, kind: str) -> str | None:
    """Why this one order cannot be refilled (or canceled), in words; None when it can.
    Two queries."""
    preview = bulk_preview(kind=kind, orders=Order.objects.filter(pk=order.pk))
    if preview.eligible:
        return None
    return " ".join(reason for _, reason, _ in preview.reasons())


def order_bulk_one(*, order: Order, kind: str, user: Any = None) -> BulkAction:
    """The Refill / Cancel button of one order: the same path as a selection. Raises
    ValidationError (nothing recorded) when the order cannot be refilled (or canceled)."""
    why_not = order_why_not(order=order, kind=kind)
    if why_not is not None:
        raise ValidationError(why_not)
    return bulk_create(
        kind=kind,
        orders=Order.objects.filter(pk=order.pk),
        token=uuid.uuid4(),
        user=user,
        description=f"Order #{order.pk}",
    )


def order_cancel_now(*, order: Order, token: uuid.UUID, user: Any = None) -> BulkItem:
    """The Cancel button of one order, once confirmed: the panel is asked within the request,
    so its answer shows on the order's page. Recorded like any bulk action: a second submit
    of the same token finds the first and sends nothing. When the panel took the cancel, the
    order's status is fetched at once (a failure there leaves it to the regular sync).

    Raises ValidationError (nothing recorded, nothing sent) when the order cannot be canceled
    or the token belongs to an action of other orders."""
    if not BulkAction.objects.filter(token=token).exists():
        why_not = order_why_not(order=order, kind=Kind.CANCEL)
        if why_not is not None:
            raise ValidationError(why_not)
    bulk = bulk_create(
        kind=Kind.CANCEL,
        orders=Order.objects.filter(pk=order.pk),
        token=token,
        user=user,
        description=f"Order #{order.pk}",
        enqueue=False,
    )
    bulk_execute(bulk_id=bulk.pk)  # does nothing when a first submit already ran it
    item = bulk.items.filter(order=order, bulk__kind=Kind.CANCEL).first()
    if item is None:
        raise ValidationError("This confirmation belongs to another action: nothing was sent.")
    if item.outcome == Outcome.DONE:
        orders_refresh(orders=Order.objects.filter(pk=order.pk).select_related("panel"))
    return item


def refills_status_sync(*, panel: Panel, client: PanelClient | None = None) -> int:
    """Ask the panel about its unfinished refills, 100 per call. Returns how many changed.

    A refill whose answer cannot be used keeps its status and shows why; the others are
    written. Answers are written even when a later call fails; then the PanelError is raised
    and the panel is marked failing."""
    refills = list(
        Refill.objects.filter(order__panel=panel, remote_id__isnull=False).exclude(
            status__in=RefillStatus.FINAL
        )
    )
    if not refills:
        return 0
    by_remote = {r.remote_id: r for r in refills if r.remote_id}
    client = client or panel.client()
    ids, changed, asked, failure = list(by_remote), 0, [], None
    for start in range(0, len(ids), BATCH_SIZE):
        try:
            answers = client.refill_statuses(ids[start : start + BATCH_SIZE])
        except PanelError as exc:
            failure = exc
            break
        now = timezone.now()
        for remote_id, state in answers.items():
            refill = by_remote[remote_id]
            asked.append(refill)
            refill.status_checked_at = now
            if state.error is not None:
                refill.last_error = clean(state.error.message or state.error.text)[:2000]
                continue
            refill.last_error = ""
            if (state.status, state.raw_status) != (refill.status, refill.status_raw):
                refill.status = state.status or refill.status
                refill.status_raw = state.raw_status[:100]
                changed += 1
    Refill.objects.bulk_update(
        asked, ["status", "status_raw", "last_error", "status_checked_at"], batch_size=1000
    )
    if failure is not None:
        panel_mark_failing(panel=panel, error=failure)
        raise failure
    return changed
