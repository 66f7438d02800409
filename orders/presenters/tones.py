"""One tone per word: the colour of every badge that shows an order's state, the panel's
status, a bulk action or one of its outcomes. Every page takes its tones from here (the order
list, an order's page, a bulk action, an upload, the overview), so the same word never wears
two colours.

A tone is the suffix of the badge's CSS class (`badge-<tone>`, static/css/app.css).
"""

from __future__ import annotations

from enum import StrEnum

from orders.models import BulkAction, BulkItem, Order
from panels.api.normalise import Status


class Tone(StrEnum):
    OK = "ok"  # done as asked
    PROGRESS = "progress"  # still moving: nothing to do but wait
    WARNING = "warning"  # done in part: worth a look
    DANGER = "failing"  # failed, or needs a person: an outcome nobody knows, a refusal
    NEUTRAL = "neutral"  # closed without harm: waiting its turn, canceled, refunded, expired


# The panel's status of a placed order. Canceled is neutral, not danger: it is usually what a
# person asked for, and what was not delivered is refunded; a failure is the panel's.
STATUS_TONES: dict[str, Tone] = {
    Status.PENDING: Tone.PROGRESS,
    Status.IN_PROGRESS: Tone.PROGRESS,
    Status.PROCESSING: Tone.PROGRESS,
    Status.ACTIVE: Tone.PROGRESS,
    Status.PAUSED: Tone.PROGRESS,
    Status.COMPLETED: Tone.OK,
    Status.PARTIAL: Tone.WARNING,
    Status.CANCELED: Tone.NEUTRAL,
    Status.REFUNDED: Tone.NEUTRAL,
    Status.EXPIRED: Tone.NEUTRAL,
    Status.FAILED: Tone.DANGER,
}

# Our own lifecycle of an order. Placed is still moving: the panel's status says how it ends.
STATE_TONES: dict[str, Tone] = {
    Order.State.QUEUED: Tone.NEUTRAL,
    Order.State.SUBMITTING: Tone.PROGRESS,
    Order.State.PLACED: Tone.PROGRESS,
    Order.State.REJECTED: Tone.DANGER,
    Order.State.UNKNOWN: Tone.DANGER,
    Order.State.NOT_PLACED: Tone.NEUTRAL,
}

# One order's outcome in a bulk refill or cancel. "No answer" is an unknown outcome, as red
# as an order whose outcome is unknown: a person has to look.
OUTCOME_TONES: dict[str, Tone] = {
    BulkItem.Outcome.DONE: Tone.OK,
    BulkItem.Outcome.PENDING: Tone.PROGRESS,
    BulkItem.Outcome.REJECTED: Tone.DANGER,
    BulkItem.Outcome.UNKNOWN: Tone.DANGER,
    BulkItem.Outcome.NOT_SENT: Tone.DANGER,
    BulkItem.Outcome.SKIPPED: Tone.NEUTRAL,
}

BULK_STATE_TONES: dict[str, Tone] = {
    BulkAction.State.QUEUED: Tone.PROGRESS,
    BulkAction.State.RUNNING: Tone.PROGRESS,
    BulkAction.State.DONE: Tone.OK,
    BulkAction.State.FAILED: Tone.DANGER,
}


def status_tone(status: str) -> Tone:
    """A status the table does not know yet (a panel's new word) is taken as still moving."""
    return STATUS_TONES.get(status, Tone.PROGRESS)


def state_tone(state: str) -> Tone:
    return STATE_TONES.get(state, Tone.NEUTRAL)


def outcome_tone(outcome: str) -> Tone:
    return OUTCOME_TONES.get(outcome, Tone.NEUTRAL)


def bulk_state_tone(state: str) -> Tone:
    return BULK_STATE_TONES.get(state, Tone.PROGRESS)


def order_tone(order: Order) -> Tone:
    """The one badge of an order where only one fits (a list row): the panel's status once
    the order is placed and the panel has given one, our state before that."""
    if order.state == Order.State.PLACED and order.status:
        return status_tone(order.status)
    return state_tone(order.state)
