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
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.models import (
    CANCEL_KINDS,
    BulkAction,
    BulkItem,
    Order,
    OrderStatusChange,
    Refill,
    RemainsReplacement,
)
from orders.services.eligibility import NOT_ELIGIBLE, eligibility_rows
from orders.services.remains import orders_replace_remains
from orders.services.status import orders_refresh
from panels.api.answer_values import UNUSABLE, clean
from panels.api.errors import ItemError, PanelError, Reason
from panels.api.normalise import RefillStatus, Status
from panels.api.wire import BATCH_SIZE
from panels.models import Panel
from panels.services import balance_refresh_soon

logger = logging.getLogger(__name__)
Kind = BulkAction.Kind
Outcome = BulkItem.Outcome

# Errors that are not a refusal by the panel. An answer that cannot be used (a refill id
# "NaN", a cancel answered "maybe") may hide a done refill or cancel: its outcome is unknown.
OUTCOMES = {
    Reason.OUTCOME_UNKNOWN: Outcome.UNKNOWN,
    Reason.NOT_SENT: Outcome.NOT_SENT,
    UNUSABLE: Outcome.UNKNOWN,
}


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


def bulk_preview(*, kind: str, orders: QuerySet[Order]) -> BulkPreview:
    """Which of these orders can be refilled (or canceled), and why the others cannot.
    Two queries, whatever the number of orders."""
    preview = BulkPreview(kind=kind)
    for row, reason in eligibility_rows(kind, orders):
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
            for row, reason in eligibility_rows(kind, orders)
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
        bulk.kind in CANCEL_KINDS
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
        taken = _remains_asked(items) if bulk.kind == Kind.REPLACE else []
    if taken:  # an order that ended before the cancel: re-placed now
        ended = Order.objects.filter(pk__in=taken, status__in=Status.FINAL)
        orders_replace_remains(order_ids=list(ended.values_list("pk", flat=True)))


def _remains_asked(items: list[BulkItem]) -> list[int]:
    """The panel took these cancels: their remains are re-placed once it confirms them
    (orders/services/remains.py). A refused one stays as it was, and its history says so.
    The orders whose cancel was taken."""
    taken = [item.order_id for item in items if item.outcome == Outcome.DONE]
    # Only an order never marked: one whose remains were already handled (a second action
    # confirmed before the first ran, a panel that takes a cancel twice) is not marked again.
    Order.objects.filter(pk__in=taken, replace_remains="").update(
        replace_remains=RemainsReplacement.ASKED
    )
    OrderStatusChange.objects.bulk_create(
        OrderStatusChange(
            order_id=item.order_id,
            status=item.order.status,
            note=(
                "Cancel taken by the panel: its remains are re-placed once it confirms them."
                if item.outcome == Outcome.DONE
                else f"Cancel not taken ({item.get_outcome_display().lower()}: "
                f"{item.message or item.reason}): nothing re-placed."
            )[:300],
        )
        for item in items
    )
    return taken


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
