"""What happens to an order after its `add` went out without a recorded outcome: the reaper,
answers that arrive late, and a person acknowledging what they were shown.

The reaper only gives up on a send once it cannot still be in flight: the threshold is the
longest one `add` can take on that panel (panels.api.client.longest_write_seconds, which the
client's total deadline makes a real bound) plus a margin. So a reaped order means the worker
died or lost its database, and an answer arriving after that is rare; it is still never
dropped.
"""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from orders.models import Order, OrderStatusChange
from panels.api.exchange import ANSWER_KEPT
from panels.api.options import longest_write_seconds
from panels.models import Panel

logger = logging.getLogger(__name__)

# Past the longest send: time to record the outcome, a busy database, clocks of two machines.
REAP_MARGIN = timedelta(minutes=5)


def stuck_after(panel: Panel) -> timedelta:
    """How long an order of `panel` may stay SUBMITTING before its sender must be gone."""
    return timedelta(seconds=longest_write_seconds(panel.client_options())) + REAP_MARGIN


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "an unknown time"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def orders_reap_stuck(*, older_than: timedelta | None = None) -> int:
    """SUBMITTING for longer than any send can take: the worker died or lost its database
    mid-call, so the outcome is unknown. `older_than` overrides the per-panel threshold."""
    now = timezone.now()
    panel_ids = (
        Order.objects.filter(state=Order.State.SUBMITTING)
        .order_by()
        .values_list("panel_id", flat=True)
        .distinct()
    )
    reaped = 0
    for panel in Panel.objects.filter(pk__in=list(panel_ids)):
        limit = older_than if older_than is not None else stuck_after(panel)
        minutes = max(math.ceil(limit.total_seconds() / 60), 1)
        stuck = Order.objects.filter(
            panel=panel, state=Order.State.SUBMITTING, submitted_at__lt=now - limit
        ).values_list("pk", "submitted_at")
        for pk, submitted_at in stuck:
            reaped += Order.objects.filter(pk=pk, state=Order.State.SUBMITTING).update(
                state=Order.State.UNKNOWN,
                error_reason="outcome_unknown",
                last_error=f"Sending started at {_when(submitted_at)} and no outcome was "
                f"recorded within {minutes} minute{'s' if minutes != 1 else ''}: the worker "
                "sending it stopped (or lost its database). The panel may have placed it. "
                "Check on the panel.",
            )
    return reaped


def _other_attempts(order: Order) -> list[str]:
    """The purchases this order may duplicate: its own recorded id and its new attempts."""
    found = []
    if order.state == Order.State.PLACED and order.remote_id:
        found.append(f"#{order.remote_id} (recorded on this order)")
    for retry in order.retries.order_by("pk"):
        if retry.remote_id:
            found.append(f"#{retry.remote_id} (order {retry.pk}, placed again)")
        else:
            state = retry.get_state_display().lower()
            found.append(f"order {retry.pk} (placed again, {state})")
    return found


def order_late_answer(*, order: Order, remote_id: str, answer: str) -> Order:
    """The panel answered `add` with an id after the order had moved on. Never dropped: the id
    and the answer are kept on the order, its history says what happened, and unless the id is
    the one already recorded, a person is asked to look (it may have been bought twice)."""
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        state = current.get_state_display().lower()
        if current.state == Order.State.PLACED and current.remote_id == remote_id:
            attention = current.attention
            note = f"A late answer from the panel confirms #{remote_id}."
        else:
            others = _other_attempts(current)
            if others:
                attention = (
                    f"This may have been bought twice: #{remote_id} (a late answer to sending "
                    f"this order) and {', '.join(others)}. Check on the panel."
                )
            else:
                attention = (
                    f"The panel placed this order as #{remote_id}, but its answer came after "
                    f"the order was marked {state}. It may have been bought. Check on the panel."
                )
            note = (
                f"Late answer from the panel: #{remote_id}, after the order was marked "
                f"{state}. Not recorded as placed."
            )
        Order.objects.filter(pk=order.pk).update(
            late_remote_id=remote_id, add_answer=answer[:ANSWER_KEPT], attention=attention
        )
        OrderStatusChange.objects.create(order=current, note=note[:300])
    logger.warning("order %s: late answer #%s after it was marked %s", order.pk, remote_id, state)
    order.refresh_from_db()
    return order


def order_acknowledge_attention(*, order: Order, user: Any = None) -> Order:
    """A person has seen what the order needed attention for; it leaves 'Needs attention'."""
    who = getattr(user, "username", "") or "someone"
    with transaction.atomic():
        current = Order.objects.select_for_update().get(pk=order.pk)
        if not current.attention:
            raise ValidationError("There is nothing to acknowledge on this order.")
        Order.objects.filter(pk=order.pk).update(attention="")
        OrderStatusChange.objects.create(
            order=current, note=f"Acknowledged by {who}: {current.attention}"[:300]
        )
    order.refresh_from_db()
    return order
