"""Placing orders: the flow that must never buy the same thing twice.

1. `order_create` (create.py) saves the order as QUEUED in a transaction; dispatch is
   enqueued on commit.
2. A dispatcher claims it with a conditional UPDATE (QUEUED -> SUBMITTING, claim.py), committed
   before any HTTP; whoever loses the claim does nothing.
3. One `add` (`order_send`), its outcome then recorded (`Outcome.record`; a dispatcher records
   it while it sends the next order, dispatching.py). An order id: PLACED. An in-band error:
   REJECTED with the reason. The connection never opened (or a 429): back to QUEUED for later.
   Anything else after the request may have reached the panel: UNKNOWN, for a person to
   resolve. Never resent automatically.
4. `orders_reap_stuck` turns orders left in SUBMITTING well past the longest a send can take
   (the worker died or lost its database) into UNKNOWN. An answer that still arrives is never
   dropped (`order_late_answer`): placed if nobody resolved the order yet, else kept on the
   order and raised for a person as a possible double purchase.
5. A person resolves UNKNOWN: `order_resolve_placed` with the id found on the panel, or
   `order_resolve_not_placed` (optionally placing it again as a new, confirmed attempt).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from core.logcontext import log_context
from orders.models import Order, OrderStatusChange
from orders.services.failover import order_fail_over
from orders.services.outcomes import order_late_answer
from orders.validation import stored_values
from panels.api.errors import (
    BadApiKey,
    OutcomeUnknown,
    PanelError,
    PanelRejected,
    Reason,
    TransientError,
)
from panels.api.exchange import ANSWER_KEPT
from panels.api.normalise import Status, storable_text
from panels.api.results import OrderPlaced
from panels.crypto import UndecryptableKey
from panels.models import CatalogSync, Panel
from panels.services import balance_refresh_soon, catalog_sync_start, panel_mark_failing
from panels.tasks import balance_sync

logger = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 8  # tries while the panel cannot be reached, then give up (not placed)


NOT_DECRYPTABLE = (
    "this worker cannot decrypt the panel's API key; restart it with the current "
    "PANEL_KEY_ENCRYPTION_KEYS"
)


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 15 * 60))


@dataclass(frozen=True)
class Outcome:
    """What sending one claimed order came to, not yet written down. `record` writes it and
    never raises: any error while writing still leaves the order UNKNOWN with the panel's
    answer kept (see `_record`), or, with the database lost, SUBMITTING for the reaper."""

    order: Order
    write: Callable[[], Order]

    def record(self) -> Order:
        with log_context(panel_id=self.order.panel_id, order_id=self.order.pk):
            order = self.write()
            if order.state == Order.State.PLACED:
                logger.info("order %s placed as #%s", order.pk, order.remote_id)
            elif order.state == Order.State.QUEUED:
                logger.info("order %s not sent (%s); tries again later", order.pk, order.last_error)
            else:
                logger.warning("order %s %s: %s", order.pk, order.state, order.last_error)
            return order


def order_dispatch(*, order: Order) -> Order:
    """Send one claimed (SUBMITTING) order to its panel and record what happened."""
    return order_send(order=order).record()


def order_send(*, order: Order) -> Outcome:
    """Send one claimed (SUBMITTING) order to its panel: what happened, to record. The caller
    records it (`Outcome.record`), at once or while it sends the next order (dispatching.py)."""
    assert order.state == Order.State.SUBMITTING, "claim the order first"
    with log_context(panel_id=order.panel_id, order_id=order.pk):
        return Outcome(order, _send(order))


def _send(order: Order) -> Callable[[], Order]:
    panel = order.panel
    # Before the request can leave: a failure here sent nothing, so the order goes back.
    try:
        client = panel.client()
        service_id, fields = order.service.remote_id, stored_values(order)
    except UndecryptableKey:
        return partial(_requeue, order, NOT_DECRYPTABLE)
    except Exception:
        logger.exception("order %s: unexpected error before sending", order.pk)
        return partial(_requeue, order, "an internal error happened before sending")
    try:
        placed = client.add(service_id, fields, order_type=order.order_type)
    except TransientError as exc:
        return partial(_requeue, order, exc.message, retry_after=exc.retry_after)
    except PanelError as exc:
        return partial(_record, order, partial(_failed, order, panel, exc), answer=exc.answer)
    except Exception:
        # Something broke around the call: whether `add` went out is not known.
        logger.exception("order %s: unexpected error while sending", order.pk)
        return partial(
            _record,
            order,
            partial(
                _finish,
                order,
                Order.State.UNKNOWN,
                reason="outcome_unknown",
                error="An internal error happened while "
                "sending; the panel may have placed it. Check on the panel.",
            ),
        )
    return partial(
        _record,
        order,
        partial(_placed, order, placed),
        answer=placed.answer,
        if_id_taken=partial(_id_taken, order, placed),
    )


@contextmanager
def _outcome_transaction() -> Iterator[None]:
    """The transaction an outcome is recorded in. On PostgreSQL its commit does not wait for
    the disk (`synchronous_commit` off for this transaction alone): the claim before the send
    did, and the next claim's commit flushes this one with it, so a send costs one wait for
    the disk, not two. What a database crash could lose is the last fraction of a second's
    outcomes; their orders are then still SUBMITTING, which the reaper turns UNKNOWN for a
    person to check: never sent again, as with a worker that died mid-send."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


def _failed(order: Order, panel: Panel, exc: PanelError) -> Order:
    if isinstance(exc, OutcomeUnknown):
        return _finish(
            order,
            Order.State.UNKNOWN,
            error=exc.message,
            reason="outcome_unknown",
            add_answer=exc.answer,
        )
    if isinstance(exc, PanelRejected | BadApiKey):
        return _rejected(order, panel, exc)
    # An HTTP refusal (or a refused address) before the panel handled it.
    return _finish(
        order, Order.State.REJECTED, error=exc.message, reason="http", add_answer=exc.answer
    )


def _record(
    order: Order,
    record: Callable[[], Order],
    *,
    answer: str = "",
    if_id_taken: Callable[[], Order] | None = None,
) -> Order:
    """Record an outcome of a request that may have left. Any error while recording it still
    ends with the order UNKNOWN and the panel's answer kept; only a lost database leaves it to
    the reaper. Nothing raises out of a send. `if_id_taken` records instead when the outcome
    broke a uniqueness rule (a panel's order id another order holds), in a fresh transaction:
    no savepoint is paid on every order for this rare case."""
    try:
        with _outcome_transaction():
            return record()
    except IntegrityError:
        if if_id_taken is not None:
            return _record(order, if_id_taken, answer=answer)
        logger.exception("order %s: the panel's answer could not be recorded", order.pk)
    except Exception:
        logger.exception("order %s: the panel's answer could not be recorded", order.pk)
    try:
        with transaction.atomic():
            return _finish(
                order,
                Order.State.UNKNOWN,
                reason="outcome_unknown",
                add_answer=storable_text(answer),
                error="The panel's answer could "
                "not be recorded (an error on our side); the panel may have placed "
                "it. Check on the panel.",
            )
    except Exception:
        logger.exception("order %s: its outcome could not be recorded at all", order.pk)
        return order  # still SUBMITTING: the reaper makes it unknown


def _finish(
    order: Order,
    state: str,
    *,
    error: str = "",
    reason: str = "",
    from_states: tuple[str, ...] = (Order.State.SUBMITTING,),
    **fields: Any,
) -> Order:
    """SUBMITTING -> state, only if it is still ours (a reaper may have moved it)."""
    if "add_answer" in fields:
        fields["add_answer"] = fields["add_answer"][:ANSWER_KEPT]
    values = {"state": state, "last_error": error, "error_reason": reason, **fields}
    updated = Order.objects.filter(pk=order.pk, state__in=from_states).update(**values)
    if not updated:
        logger.warning("order %s left SUBMITTING before its answer was recorded", order.pk)
    order.refresh_from_db()
    return order


def _placed(order: Order, placed: OrderPlaced) -> Order:
    """The panel gave an order id: PLACED, with its first status change, in _record's
    transaction. An id another order already holds raises IntegrityError (the panel-and-id
    constraint); _record then records `_id_taken` instead."""
    fields = {
        "state": Order.State.PLACED,
        "remote_id": placed.order_id,
        "placed_at": timezone.now(),
        "status": Status.PENDING,
        "next_attempt_at": None,
        "last_error": "",
        "error_reason": "",
        "add_answer": placed.answer[:ANSWER_KEPT],
    }
    # Also from UNKNOWN: the reaper may have given up on this slow call; the id wins.
    updated = Order.objects.filter(
        pk=order.pk, state__in=(Order.State.SUBMITTING, Order.State.UNKNOWN)
    ).update(**fields)
    if not updated:
        return order_late_answer(order=order, remote_id=placed.order_id, answer=placed.answer)
    OrderStatusChange.objects.create(
        order=order, status=Status.PENDING, note=f"Placed on the panel as #{placed.order_id}"
    )
    # The order spent from the panel's balance: read it again soon (one call for a burst of
    # orders), so the balance shown and warned about is not stale.
    balance_refresh_soon(panel_ids=[order.panel_id])
    for name, value in fields.items():  # what was written, without reading the row back
        setattr(order, name, value)
    return order


def _id_taken(order: Order, placed: OrderPlaced) -> Order:
    """Placed, but not safely recorded: the panel gave an id another order already holds."""
    return _finish(
        order,
        Order.State.UNKNOWN,
        reason="duplicate_remote_id",
        from_states=(Order.State.SUBMITTING, Order.State.UNKNOWN),
        add_answer=placed.answer,
        error=f"The panel answered with order id {placed.order_id}, which another order "
        "already has. Check on the panel.",
    )


def _requeue(order: Order, why: str, *, retry_after: float | None = None) -> Order:
    try:
        with transaction.atomic():
            return _not_sent(order, why, retry_after=retry_after)
    except DatabaseError:
        logger.exception("order %s: could not record that it was not sent", order.pk)
        return order  # still SUBMITTING: the reaper makes it unknown


def _not_sent(order: Order, why: str, *, retry_after: float | None = None) -> Order:
    """Nothing left this machine: back to QUEUED for later, or given up after many tries."""
    attempts = order.attempts + 1
    if attempts >= MAX_SEND_ATTEMPTS:
        order = _finish(
            order,
            Order.State.REJECTED,
            attempts=attempts,
            reason=Reason.NOT_SENT,
            error=f"Not sent after {attempts} tries; nothing was placed. ({why})",
        )
        _fail_over(order)
        return order
    delay = max(_retry_delay(attempts), timedelta(seconds=retry_after or 0))
    return _finish(
        order,
        Order.State.QUEUED,
        attempts=attempts,
        reason=Reason.NOT_SENT,
        next_attempt_at=timezone.now() + delay,
        error=f"Not sent yet: {why}. Trying again shortly.",
    )


def _fail_over(order: Order) -> None:
    """A routed order refused for its panel's own reason goes on to the next panel, in this
    transaction (orders/services/failover.py)."""
    order_fail_over(order=order)


def _rejected(order: Order, panel: Panel, exc: PanelRejected | BadApiKey) -> Order:
    text = exc.text if isinstance(exc, PanelRejected) else exc.message
    message = exc.message if exc.message == text else f"{exc.message} (the panel said: {text})"
    order = _finish(
        order,
        Order.State.REJECTED,
        error=message,
        reason=exc.reason,
        finished_at=timezone.now(),
        add_answer=exc.answer,
    )
    _fail_over(order)
    if exc.reason == Reason.BAD_KEY:
        panel_mark_failing(panel=panel, error=exc)
    elif exc.reason == Reason.NOT_ENOUGH_FUNDS:
        transaction.on_commit(lambda: balance_sync.delay(panel.pk), robust=True)
    elif exc.reason == Reason.INCORRECT_SERVICE_ID:
        catalog_sync_start(panel=panel, trigger=CatalogSync.Trigger.ORDER)
    return order
