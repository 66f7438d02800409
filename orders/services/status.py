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

from core.bulk import bulk_update_rows, lock_rows
from core.bulk_insert import insert_rows
from core.jsonvalues import as_stored
from orders.models import Order, OrderStatusChange
from orders.models import RemainsReplacement as Replacement
from orders.services.refunds import REFUNDED_STATUSES, refund_owed
from orders.services.remains import orders_replace_remains
from orders.services.status_fetch import StatusFetch
from panels.api import normalise
from panels.api.answer_values import UNUSABLE, UnusableAnswer
from panels.api.client import PanelClient
from panels.api.errors import ItemError, PanelError, Reason
from panels.api.normalise import BadValue, Status
from panels.api.results import OrderStatus
from panels.models import Panel
from panels.services import panel_mark_failing, panel_mark_ok
from panels.services.panel import panel_note_problem

logger = logging.getLogger(__name__)

# What a status answer may change on an order.
SYNCED = ("status", "status_raw", "charge", "start_count", "remains", "currency", "raw_status")
WRITTEN = (
    *SYNCED,
    "status_checked_at",
    "finished_at",
    "last_error",
    "error_reason",
    "refund",
    "refund_seen_at",
)
# Read to work out a refund (orders.services.refunds).
REFUND_INPUTS = ("estimated_cost", "quantity", "runs", "params", "order_type")
READ = ("remote_id", "panel_id", "replace_remains")
WRITE_BATCH = 500


SHOWN_PROBLEMS = 3  # set-aside answers quoted in the panel's note


@dataclass(frozen=True)
class StatusSyncResult:
    checked: int
    changed: int
    finished: int
    unknown_ids: int
    calls: int
    set_aside: int = 0  # answers that could not be used: those orders keep their values
    updated: int = 0  # orders whose answer was used (changed or not)

    @property
    def summary(self) -> str:
        """E.g. "248 of 250 orders updated; 2 answers set aside"."""
        text = f"{self.updated} of {self.checked} orders updated"
        if self.set_aside:
            text += f"; {self.set_aside} answer{'s' if self.set_aside != 1 else ''} set aside"
        if self.unknown_ids:
            text += f"; {self.unknown_ids} unknown to the panel"
        return text


def orders_to_sync(*, panel: Panel) -> QuerySet[Order]:
    """Placed orders of the panel that the panel may still change."""
    return Order.objects.filter(
        panel=panel, state=Order.State.PLACED, remote_id__isnull=False
    ).exclude(status__in=Status.FINAL)


def _answer_values(answer: OrderStatus, order: Order) -> dict[str, Any]:
    """What the answer writes on the order. Every number is checked against its column again
    here (BadValue), so no value out of range reaches the bulk UPDATE, whoever built it."""
    charge = normalise.money(answer.charge, field="charge")
    if order.refund_seen_at is not None:
        charge = order.charge  # set with its refund, once (refunds.py): not moved again
    return {
        "status": answer.status if answer.status in Status.ALL else Status.PENDING,
        "status_raw": answer.raw_status.replace("\x00", "")[:100],
        "charge": charge if charge is not None else order.charge,
        "start_count": normalise.count(answer.start_count, field="start count"),
        "remains": normalise.count(answer.remains, field="remains"),
        "currency": (answer.currency.replace("\x00", "") or order.currency)[:10],
        "raw_status": as_stored(normalise.storable(answer.raw)),
    }


HISTORY = ("order", "status", "status_raw", "charge", "start_count", "remains", "note",
           "created_at")  # fmt: skip


class _Writes:
    """The answers of one sync, written a group at a time (`flush`): the orders that changed,
    the ids only checked, and history rows as tuples of HISTORY (no model per row)."""

    def __init__(self) -> None:
        self.ended_before: set[int] = set()  # orders already ended when this sync read them
        # this group, until flushed
        self.changed: list[Order] = []
        self.untouched: list[int] = []
        self.history: list[tuple[Any, ...]] = []
        # the whole sync
        self.written = 0  # orders whose row was written (changed, set aside or unknown)
        self.due: list[int] = []  # remains to re-place now that their order ended
        self.finished = 0
        self.unknown_ids = 0
        self.updated = 0
        self.set_aside: list[tuple[Order, str]] = []

    def answer(self, order: Order, answer: OrderStatus | ItemError, now: Any) -> None:
        if isinstance(answer, OrderStatus):
            try:
                values = _answer_values(answer, order)
            except BadValue as exc:
                answer = UnusableAnswer.because("status", str(exc))
            else:
                self._use(order, answer, values, now)
                return
        if isinstance(answer, UnusableAnswer):
            self._set_aside(order, answer, now)
            return
        self._error(order, answer, now)

    def _set_aside(self, order: Order, answer: UnusableAnswer, now: Any) -> None:
        """This order only: its values stay, the reason is shown on it and in its history."""
        self.set_aside.append((order, answer.text))
        if order.last_error != answer.text:
            self.history.append((order.pk, "", "", None, None, None, answer.text[:300], now))
        order.last_error, order.error_reason = answer.text, UNUSABLE
        order.status_checked_at = now
        self.changed.append(order)

    def _error(self, order: Order, answer: ItemError, now: Any) -> None:
        if answer.reason != Reason.INCORRECT_ORDER_ID:
            self.untouched.append(order.pk)  # a per-item hiccup: try again next time
            return
        # This order, not the batch: the panel does not know its id (a typo when resolving?).
        self.unknown_ids += 1
        order.last_error = "The panel does not know this order id. Check the id on the panel."
        order.error_reason = Reason.INCORRECT_ORDER_ID
        order.status_checked_at = now
        self.changed.append(order)

    def _use(self, order: Order, answer: OrderStatus, values: dict[str, Any], now: Any) -> None:
        self.updated += 1
        before = {name: getattr(order, name) for name in SYNCED}
        if before == values and not order.error_reason:
            self.untouched.append(order.pk)
            return
        reported_charge = values["charge"]
        if values["status"] in REFUNDED_STATUSES and order.refund_seen_at is None:
            refund = refund_owed(
                order,
                status=values["status"],
                charge_before=before["charge"],
                charge_now=values["charge"],
                remains=values["remains"],
            )
            if refund is not None:
                values = {**values, "charge": refund.charge}
                order.refund, order.refund_seen_at = refund.amount, now
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
            self.history.append(
                (
                    order.pk,
                    values["status"],
                    values["status_raw"],
                    reported_charge,  # the panel's figure, lowered or not
                    values["start_count"],
                    values["remains"],
                    "",
                    now,
                )
            )

    def _leave_out(self, ended: set[int]) -> None:
        """Leave out the orders another sync saw end after this one read them (the same
        panel's Refresh, say): an ended order never runs again, so what this sync has for it
        is older, and writing it would undo the end, its refund and what followed it."""
        if ended:
            self.changed = [order for order in self.changed if order.pk not in ended]
            self.history = [row for row in self.history if row[0] not in ended]
            self.untouched = [pk for pk in self.untouched if pk not in ended]

    def flush(self, now: Any) -> None:
        """Write this group's answers in one transaction: lock, then a few statements whatever
        the number of orders (the rows, their history, the checked times)."""
        if self.changed or self.untouched:
            with transaction.atomic():
                # Another sync of the panel may be writing the same orders: one lock order,
                # and the orders it saw end since this sync read them are left as it wrote
                # them. Every transaction locks once, in primary-key order: no deadlock.
                ids = [*(order.pk for order in self.changed), *self.untouched]
                statuses = lock_rows(Order, ids, read="status")
                ended = {pk for pk, status in statuses.items() if status in Status.FINAL}
                self._leave_out(ended - self.ended_before)
                bulk_update_rows(Order, self.changed, WRITTEN, batch_size=WRITE_BATCH)
                insert_rows(OrderStatusChange, HISTORY, self.history, batch_size=WRITE_BATCH)
                if self.untouched:
                    Order.objects.filter(pk__in=self.untouched).update(status_checked_at=now)
        self.written += len(self.changed)
        # A cancel taken to re-place the remains: once the panel says the order ended, with them.
        self.due += [
            o.pk
            for o in self.changed
            if o.replace_remains == Replacement.ASKED and o.status in Status.FINAL
        ]
        self.changed, self.untouched, self.history = [], [], []


def orders_status_sync(
    *, panel: Panel, orders: Iterable[Order] | None = None, client: PanelClient | None = None
) -> StatusSyncResult:
    """Sync the given orders of one panel (default: every one that may still change).

    An answer that cannot be used (no status, remains of 1e30, a negative charge...) sets that
    order aside with the reason on it; every other answer is written, and the panel's note
    says how many were set aside. Answers are written as they come, WRITE_BATCH orders per
    transaction, while the panel is asked about the next ids (status_fetch): when a later
    call fails, everything answered before it is written; then the PanelError (a panel-level
    failure: unreachable, bad key, not JSON) is raised.
    """
    given = None if orders is None else [o for o in orders if o.remote_id]
    if given is not None:
        ids = list(dict.fromkeys(o.remote_id for o in given if o.remote_id))
    else:  # the ids first: the panel is asked about them while the orders are read
        ids = [i for i in orders_to_sync(panel=panel).values_list("remote_id", flat=True) if i]
    client = client or panel.client()
    writes, calls, failure = _Writes(), 0, None
    try:
        with StatusFetch(client, ids) as fetched:
            pending = (
                given
                if given is not None
                else list(orders_to_sync(panel=panel).only(*WRITTEN, *REFUND_INPUTS, *READ))
            )
            # As read, before answers (a person's Refresh may ask about ended orders again).
            writes.ended_before = {o.pk for o in pending if o.status in Status.FINAL}
            by_remote = {o.remote_id: o for o in pending}
            for _chunk, answers in fetched:
                calls += 1
                now = timezone.now()
                for remote_id, answer in answers.items():
                    order = by_remote.get(remote_id)
                    if order is not None:  # None: it ended between reading its id and it
                        writes.answer(order, answer, now)
                if len(writes.changed) + len(writes.untouched) >= WRITE_BATCH:
                    writes.flush(timezone.now())
    except PanelError as exc:
        calls += 1
        failure = exc
    writes.flush(timezone.now())
    if writes.due:
        orders_replace_remains(order_ids=writes.due)
    if failure is not None:
        panel_mark_failing(panel=panel, error=failure)
        raise failure
    result = StatusSyncResult(
        checked=len(ids),
        changed=writes.written - len(writes.set_aside),
        finished=writes.finished,
        unknown_ids=writes.unknown_ids,
        calls=calls,
        set_aside=len(writes.set_aside),
        updated=writes.updated,
    )
    if writes.set_aside:
        # The panel answered: it is not failing, but what could not be used is said on it.
        panel_note_problem(panel=panel, message=_set_aside_note(result, writes.set_aside))
    elif calls:
        panel_mark_ok(panel=panel)
    return result


def _set_aside_note(result: StatusSyncResult, set_aside: list[tuple[Order, str]]) -> str:
    lines = [f"Status sync: {result.summary}."]
    lines += [
        f"Order #{order.pk} (#{order.remote_id} on the panel): {text}"
        for order, text in set_aside[:SHOWN_PROBLEMS]
    ]
    if len(set_aside) > SHOWN_PROBLEMS:
        lines.append(f"And {len(set_aside) - SHOWN_PROBLEMS} more: see each order's page.")
    return "\n".join(lines)


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
