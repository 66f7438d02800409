"""Thin Celery tasks for orders: dispatch per panel with bounded concurrency, the reaper, and
status sync fanned out per panel."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from time import monotonic

from celery import shared_task
from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.utils import timezone

from core.logcontext import log_context
from orders import services
from orders.models import Order, Refill
from orders.services import auto_refill as auto_refill_service
from orders.services import bulk, refills, remains, stuck
from panels.api.errors import PanelError
from panels.api.normalise import RefillStatus, Status
from panels.api.options import longest_write_seconds
from panels.models import Panel

logger = logging.getLogger(__name__)
SLOT_GRACE = 5  # seconds a sending slot lives beyond the longest single send
# A dispatcher lets its slot go and queues itself again (_hand_on) after this many orders or
# seconds, whichever comes first: the panels take turns, and a task ends well within
# CELERY_TASK_SOFT_TIME_LIMIT, whose signal could land mid-send and leave an order unknown.
HAND_ON_AFTER = 100
HAND_ON_SECONDS = 60
# A confirmed bulk action whose task has not started after this long is started by the sweep.
BULK_START_GRACE = timedelta(minutes=1)


def slot_lease_seconds(panel: Panel) -> int:
    """How long a sending slot is held without renewal: a little more than one `add` can take.

    One `add` ends by the client's total deadline (panels.api.client.longest_write_seconds), so a
    live send never outlasts its lease. The holder renews it before every order it sends; a
    worker killed mid-send (or cut off from Redis before it could free it) blocks the slot for
    at most this long. The conditional claim in the database, not the slot, is what sends
    every order once.
    """
    return math.ceil(longest_write_seconds(panel.client_options())) + SLOT_GRACE


def _take_slot(panel_id: int, lease: int) -> str | None:
    """One of the panel's PANEL_MAX_CONCURRENCY sending slots, or None if all are busy."""
    for slot in range(settings.PANEL_MAX_CONCURRENCY):
        key = f"dispatch-slot:{panel_id}:{slot}"
        if cache.add(key, 1, timeout=lease):
            return key
    return None


def _free_slot(key: str) -> None:
    try:
        cache.delete(key)
    except Exception:  # the cache (Redis) is down: the lease frees it soon enough
        logger.warning("could not free sending slot %s; it expires with its lease", key)


def _due(panel_id: int) -> bool:
    return Order.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()),
        panel_id=panel_id,
        state=Order.State.QUEUED,
    ).exists()


def _wake_another(panel_id: int) -> None:
    """With more orders due behind the one just claimed, wake one more dispatcher for the
    panel's next sending slot. An upload or the sweep wakes one dispatcher per panel; this way
    a burst is sent PANEL_MAX_CONCURRENCY at a time, as the panel allows, not one at a time.
    The woken task does the same for the slot after it, and returns at once when none is
    free. Never raises: the broker being down costs speed, not the send."""
    if settings.PANEL_MAX_CONCURRENCY < 2 or not _due(panel_id):
        return
    try:
        dispatch_panel.delay(panel_id)
    except Exception:
        logger.warning("could not wake another dispatcher for panel %s", panel_id)


# acks_late: a worker running its dispatchers keeps them unacknowledged, so with the prefetch
# multiplier of 1 it reserves no more tasks than it has processes. A dispatcher handed on
# (_hand_on) then goes to a worker with a free process, not into the queue of one whose
# processes are all sending. Delivered again only if its worker dies: a harmless extra round.
@shared_task(ignore_result=True, acks_late=True)
def dispatch_panel(panel_id: int) -> None:
    """Send the panel's queued orders one by one, in at most N workers per panel at once."""
    panel = Panel.objects.filter(pk=panel_id, is_active=True).first()
    if panel is None:
        return
    with log_context(panel_id=panel_id):
        _dispatch_panel(panel)


def _dispatch_panel(panel: Panel) -> None:
    lease = slot_lease_seconds(panel)
    while True:
        slot = _take_slot(panel.pk, lease)
        if slot is None:
            return  # the panel's slots are busy; their holders send what is queued
        try:
            sent_its_share = _send_queued(panel, slot, lease)
        finally:
            _free_slot(slot)
        if sent_its_share and _hand_on(panel.pk):
            return
        # An order queued while we were letting go of the slot would wait for the next sweep.
        if not sent_its_share and not _due(panel.pk):
            return


def _send_queued(panel: Panel, slot: str, lease: int) -> bool:
    """Claim and send the panel's due orders one at a time while holding `slot`, until none is
    left (False) or this dispatcher has had its turn (True). The next order is claimed as soon
    as a send ends, then the ended one's outcome is handed to be written while the next is
    sent (services.OutcomeRecorder); all of them are written before this returns."""
    turn = _Turn(services.PanelQueue(panel), slot, lease)
    with services.OutcomeRecorder() as recorder:
        order = turn.claim_next()
        if order is not None:
            _wake_another(panel.pk)
        while order is not None:
            outcome = services.order_send(order=order)
            try:
                order = turn.claim_next()
            finally:  # a claim that fails must not lose the answer the panel just gave
                recorder.record(outcome)
    return turn.over


class _Turn:
    """One dispatcher's turn at a panel: HAND_ON_AFTER orders or HAND_ON_SECONDS, whichever
    ends first, with the sending slot's lease kept."""

    def __init__(self, queue: services.PanelQueue, slot: str, lease: int) -> None:
        self.queue, self.slot, self.lease = queue, slot, lease
        self.ends = monotonic() + HAND_ON_SECONDS
        self.claimed = 0
        self.over = False
        self._renewed_at = -math.inf

    def claim_next(self) -> Order | None:
        """The next order to send, or None: none is due, or the turn is over (`over`)."""
        if self.claimed >= HAND_ON_AFTER or (self.claimed and monotonic() > self.ends):
            self.over = True
            return None
        # The lease must cover the next send: renewed at most SLOT_GRACE seconds before a send
        # starts, it outlasts any send (slot_lease_seconds).
        if monotonic() - self._renewed_at > SLOT_GRACE / 2:
            cache.touch(self.slot, self.lease)
            self._renewed_at = monotonic()
        order = self.queue.claim_next()
        self.claimed += order is not None
        return order


def _hand_on(panel_id: int) -> bool:
    """Queue this panel's dispatcher again, behind the tasks already waiting, so that with
    fewer worker processes than sending slots the panels are served in turn, not each one's
    queue to its end while the others wait. False if the broker cannot take it: the caller
    then goes on sending itself."""
    try:
        dispatch_panel.delay(panel_id)
    except Exception:
        logger.warning("could not hand panel %s's sending on; this dispatcher goes on", panel_id)
        return False
    return True


@shared_task(ignore_result=True)
def dispatch_queued_all() -> None:
    """The sweep: panels with queued orders that are due (retries, missed wake-ups), and bulk
    actions whose task never started."""
    # order_by(): Order's default ordering would make DISTINCT one row per order, not panel.
    panel_ids = (
        Order.objects.filter(
            Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()),
            state=Order.State.QUEUED,
            panel__is_active=True,
        )
        .order_by()
        .values_list("panel_id", flat=True)
        .distinct()
    )
    for panel_id in panel_ids:
        dispatch_panel.delay(panel_id)
    for bulk_id in bulk.bulk_ids_not_started(older_than=BULK_START_GRACE):
        bulk_run.delay(bulk_id)


@shared_task(ignore_result=True)
def reap_stuck_orders() -> None:
    count = services.orders_reap_stuck()
    if count:
        logger.warning(
            "%s order%s %s stuck while sending; %s outcome is now unknown",
            count,
            pluralize(count),
            pluralize(count, "was,were"),
            pluralize(count, "its,their"),
        )


@shared_task(ignore_result=True)
def auto_refill() -> None:
    """One bulk refill of the orders whose auto-refill is due (it is sent by bulk_run)."""
    queued = auto_refill_service.orders_auto_refill()
    if queued is not None:
        logger.info("auto-refill: %s", queued.description)


@shared_task(ignore_result=True)
def flag_stuck_orders() -> None:
    """Placed orders running far longer than usual (delivery, not sending: that is the reaper),
    and remains still to re-place of orders whose cancel came back while nothing followed."""
    try:
        check = stuck.orders_flag_stuck()
    except Exception:  # the catch-up below runs all the same
        logger.exception("the stuck-orders check failed")
    else:
        if check.flagged or check.cleared:
            logger.info("stuck orders: %s", check)
    remains.orders_replace_remains_due()


@shared_task(acks_late=True, ignore_result=True)
def status_sync(panel_id: int) -> None:
    panel = Panel.objects.filter(pk=panel_id, is_active=True).first()
    if panel is None:
        return
    with log_context(panel_id=panel_id):
        try:
            result = services.orders_status_sync(panel=panel)
        except PanelError as exc:
            logger.warning("status sync of panel %s failed: %s", panel_id, exc)
            return
        logger.info("status sync of panel %s: %s", panel_id, result)


@shared_task(ignore_result=True)
def status_sync_all() -> None:
    # order_by(): Order's default ordering would make DISTINCT one row per order, not panel.
    panel_ids = (
        Order.objects.filter(state=Order.State.PLACED, panel__is_active=True)
        .exclude(status__in=Status.FINAL)
        .order_by()
        .values_list("panel_id", flat=True)
        .distinct()
    )
    for panel_id in panel_ids:
        status_sync.delay(panel_id)


@shared_task(ignore_result=True)
def bulk_run(bulk_id: int) -> None:
    """Send one bulk refill or cancel; a second delivery of the task finds it claimed."""
    with log_context(bulk_id=bulk_id):
        bulk.bulk_execute(bulk_id=bulk_id)


@shared_task(acks_late=True, ignore_result=True)
def refill_status_sync(panel_id: int) -> None:
    panel = Panel.objects.filter(pk=panel_id, is_active=True).first()
    if panel is None:
        return
    with log_context(panel_id=panel_id):
        try:
            refills.refills_status_sync(panel=panel)
        except PanelError as exc:
            logger.warning("refill status sync of panel %s failed: %s", panel_id, exc)


@shared_task(ignore_result=True)
def refill_status_sync_all() -> None:
    panel_ids = (
        Refill.objects.filter(remote_id__isnull=False, order__panel__is_active=True)
        .exclude(status__in=RefillStatus.FINAL)
        .order_by()
        .values_list("order__panel_id", flat=True)
        .distinct()
    )
    for panel_id in panel_ids:
        refill_status_sync.delay(panel_id)
