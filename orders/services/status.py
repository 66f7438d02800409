"""Status sync: ask each panel about its placed, unfinished orders, 100 ids per call, and write
what changed in bulk, with a history of every change."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dashboard.bulk import bulk_update_rows
from dashboard.jsonvalues import as_stored
from orders.models import Order, OrderStatusChange
from panels.client import PanelClient
from panels.errors import ItemError, PanelError, Reason
from panels.models import Panel
from panels.normalise import Status
from panels.results import OrderStatus
from panels.services import panel_mark_failing, panel_mark_ok
from panels.wire import BATCH_SIZE

logger = logging.getLogger(__name__)

# What a status answer may change on an order.
SYNCED = ("status", "status_raw", "charge", "start_count", "remains", "currency", "raw_status")
WRITTEN = (*SYNCED, "status_checked_at", "finished_at", "last_error", "error_reason")
WRITE_BATCH = 1000


@dataclass(frozen=True)
class StatusSyncResult:
    checked: int
    changed: int
    finished: int
    unknown_ids: int
    calls: int


def orders_to_sync(*, panel: Panel) -> QuerySet[Order]:
    """Placed orders of the panel that the panel may still change."""
    return Order.objects.filter(
        panel=panel, state=Order.State.PLACED, remote_id__isnull=False
    ).exclude(status__in=Status.FINAL)


def _answer_values(answer: OrderStatus, order: Order) -> dict[str, Any]:
    return {
        "status": answer.status,
        "status_raw": answer.raw_status[:100],
        "charge": answer.charge if answer.charge is not None else order.charge,
        "start_count": answer.start_count,
        "remains": answer.remains,
        "currency": (answer.currency or order.currency)[:10],
        "raw_status": as_stored(answer.raw),
    }


class _Writes:
    def __init__(self) -> None:
        self.changed: list[Order] = []
        self.untouched: list[int] = []
        self.history: list[OrderStatusChange] = []
        self.finished = 0
        self.unknown_ids = 0

    def answer(self, order: Order, answer: OrderStatus | ItemError, now: Any) -> None:
        if isinstance(answer, ItemError):
            if answer.reason != Reason.INCORRECT_ORDER_ID:
                self.untouched.append(order.pk)  # a per-item hiccup: try again next time
                return
            # This order, not the batch: the panel does not know its id (a typo when resolving?).
            self.unknown_ids += 1
            order.last_error = "The panel does not know this order id. Check the id on the panel."
            order.error_reason = Reason.INCORRECT_ORDER_ID
            order.status_checked_at = now
            self.changed.append(order)
            return
        values = _answer_values(answer, order)
        before = {name: getattr(order, name) for name in SYNCED}
        if before == values and not order.error_reason:
            self.untouched.append(order.pk)
            return
        for name, value in values.items():
            setattr(order, name, value)
        order.status_checked_at = now
        order.last_error, order.error_reason = "", ""
        if answer.is_final and order.finished_at is None:
            order.finished_at = now
            self.finished += 1
        self.changed.append(order)
        if (before["status"], before["remains"], before["start_count"]) != (
            values["status"],
            values["remains"],
            values["start_count"],
        ):
            self.history.append(OrderStatusChange(
                order=order, status=values["status"], status_raw=values["status_raw"],
                charge=values["charge"], start_count=values["start_count"],
                remains=values["remains"],
            ))  # fmt: skip

    def save(self, now: Any) -> None:
        with transaction.atomic():
            bulk_update_rows(Order, self.changed, WRITTEN, batch_size=WRITE_BATCH)
            OrderStatusChange.objects.bulk_create(self.history, batch_size=WRITE_BATCH)
            if self.untouched:
                Order.objects.filter(pk__in=self.untouched).update(status_checked_at=now)


def orders_status_sync(
    *, panel: Panel, orders: Iterable[Order] | None = None, client: PanelClient | None = None
) -> StatusSyncResult:
    """Sync the given orders of one panel (default: every one that may still change).

    Answers are written even when a later batch fails; then the PanelError is raised.
    """
    pending = list(orders if orders is not None else orders_to_sync(panel=panel).only(*WRITTEN,
                   "remote_id", "panel_id"))  # fmt: skip
    by_remote = {o.remote_id: o for o in pending if o.remote_id}
    client = client or panel.client()
    writes, calls, failure = _Writes(), 0, None
    ids = list(by_remote)
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        calls += 1
        try:
            answers = client.statuses(chunk)
        except PanelError as exc:
            failure = exc
            break
        now = timezone.now()
        for remote_id, answer in answers.items():
            writes.answer(by_remote[remote_id], answer, now)
    writes.save(timezone.now())
    if failure is not None:
        panel_mark_failing(panel=panel, error=failure)
        raise failure
    if calls:
        panel_mark_ok(panel=panel)
    return StatusSyncResult(checked=len(ids), changed=len(writes.changed),
                            finished=writes.finished, unknown_ids=writes.unknown_ids,
                            calls=calls)  # fmt: skip


def orders_refresh(*, orders: Iterable[Order]) -> dict[int, StatusSyncResult | PanelError]:
    """ "Refresh" on one order or a selection: sync them now, panel by panel."""
    by_panel: dict[int, list[Order]] = {}
    for order in orders:
        if order.state == Order.State.PLACED and order.remote_id:
            by_panel.setdefault(order.panel_id, []).append(order)
    results: dict[int, StatusSyncResult | PanelError] = {}
    for panel in Panel.objects.filter(pk__in=by_panel):
        try:
            results[panel.pk] = orders_status_sync(panel=panel, orders=by_panel[panel.pk])
        except PanelError as exc:
            results[panel.pk] = exc
    return results
