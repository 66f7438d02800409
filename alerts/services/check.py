"""The periodic check: what is wrong now against what was wrong, and who hears of it.

One run: find every condition (`alerts.conditions`), open the new ones, resolve the ones no
longer found, and for each active channel write the messages due: an alert when a condition
it wants first passes its threshold, a "resolved" when a condition it was told of ends. Each
message goes through the channel's storm rules (`policy.decide`) and is logged as a Delivery
whatever its fate; the queued ones are sent on commit, one task each. Held messages are
bundled into summaries (`summaries`). The number of queries does not grow with orders.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from alerts import conditions
from alerts.conditions import Found
from alerts.models import EVENT_KINDS, Channel, Condition, Delivery, Kind
from alerts.services import summaries
from alerts.services.messages import compose
from alerts.services.policy import Budget, decide

logger = logging.getLogger(__name__)

# A message no task has taken this long lost its task (the broker was emptied, a worker died
# while sending): the check queues it again. Longer than a task may run (5 minutes).
LOST_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class CheckResult:
    found: int
    opened: int
    resolved: int
    queued: int
    held: int
    suppressed: int


# PostgreSQL advisory lock key: one check at a time ("alerts").
CHECK_LOCK = 0x616C65727473


def alerts_check(*, now: datetime | None = None) -> CheckResult:
    now = now or timezone.now()
    with transaction.atomic():
        _one_check_at_a_time()
        found = {item.key: item for item in conditions.find_all(now=now)}
        open_rows = {
            row.key: row
            for row in Condition.objects.select_for_update().filter(resolved_at__isnull=True)
        }
        opened = _open(found, open_rows, now=now)
        resolved = [row for key, row in open_rows.items() if key not in found]
        if resolved:
            Condition.objects.filter(pk__in=[row.pk for row in resolved]).update(resolved_at=now)
        still = [row for key, row in open_rows.items() if key in found]
        _refresh(still, found, now=now)
        channels = list(Channel.objects.filter(is_active=True))
        budget = Budget.load(now=now)
        # New conditions first: an hour's cap is spent on what the channel has not heard of.
        deliveries = _alerts_due([*opened, *still], channels, now=now, budget=budget)
        deliveries += _resolutions_due(resolved, channels, now=now, budget=budget)
        Delivery.objects.bulk_create(deliveries)
        deliveries += summaries.bundle_due(channels, now=now, budget=budget)
        queued = [row.pk for row in deliveries if row.status == Delivery.Status.QUEUED]
        queued += _lost(now=now)
        transaction.on_commit(lambda: _queue(queued), robust=True)
    return CheckResult(
        found=len(found),
        opened=len(opened),
        resolved=len(resolved),
        queued=len(queued),
        held=sum(row.status == Delivery.Status.HELD for row in deliveries),
        suppressed=sum(row.status == Delivery.Status.SUPPRESSED for row in deliveries),
    )


def _one_check_at_a_time() -> None:
    """Two checks at once (the schedule's and "Check now") would both open a new condition:
    the second waits for the first to commit, then finds it open. SQLite's transactions
    already run one writer at a time."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHECK_LOCK])


def _open(found: dict[str, Found], open_rows: dict[str, Condition], *, now: datetime) -> list:
    new = [
        Condition(
            key=item.key,
            kind=item.kind,
            title=item.title[:300],
            body=item.body,
            link=item.link[:300],
            since=item.since,
            measure=item.measure,
            opened_at=now,
            seen_at=now,
        )
        for key, item in found.items()
        if key not in open_rows
    ]
    return Condition.objects.bulk_create(new)


def _refresh(still: list[Condition], found: dict[str, Found], *, now: datetime) -> None:
    """Open conditions keep their latest wording (a count that grew), in one statement."""
    for row in still:
        item = found[row.key]
        row.title, row.body, row.measure, row.seen_at = (
            item.title[:300],
            item.body,
            item.measure,
            now,
        )
    Condition.objects.bulk_update(still, ["title", "body", "measure", "seen_at"], batch_size=500)


def _told(conditions_: list[Condition]) -> dict[int, set[int]]:
    """The channels each condition has an alert for already, whatever became of it (one held
    or suppressed goes out in a summary): condition id → channel ids."""
    told: dict[int, set[int]] = defaultdict(set)
    rows = Delivery.objects.filter(
        condition__in=[row.pk for row in conditions_], event=Delivery.Event.OPENED
    ).values_list("condition_id", "channel_id")
    for condition_id, channel_id in rows:
        if condition_id is not None:
            told[condition_id].add(channel_id)
    return told


def _alerts_due(
    open_conditions: list[Condition], channels: list[Channel], *, now: datetime, budget: Budget
) -> list[Delivery]:
    """An alert to each channel that wants the condition, once it passes its threshold."""
    told = _told(open_conditions)
    due = []
    for condition in open_conditions:
        for channel in channels:
            if not channel.wants(condition.kind) or channel.pk in told[condition.pk]:
                continue
            if _past_threshold(channel, condition, now):
                due.append(_message(channel, condition, Delivery.Event.OPENED, now, budget))
    return due


def _past_threshold(channel: Channel, condition: Condition, now: datetime) -> bool:
    if condition.kind == Kind.PANEL_FAILING:
        return now - condition.since >= timedelta(minutes=channel.failing_minutes)
    if condition.kind == Kind.PRICE_RISE:
        return condition.measure is not None and condition.measure >= channel.price_rise_percent
    return True


def _resolutions_due(
    resolved: list[Condition], channels: list[Channel], *, now: datetime, budget: Budget
) -> list[Delivery]:
    """A "resolved" to each channel that has the alert (not for events, which do not end)."""
    states = [row for row in resolved if row.kind not in EVENT_KINDS]
    told = _told(states)
    by_id = {channel.pk: channel for channel in channels}
    due = []
    for condition in states:
        for channel_id in sorted(told[condition.pk]):
            if channel_id in by_id:
                channel = by_id[channel_id]
                due.append(_message(channel, condition, Delivery.Event.RESOLVED, now, budget))
    return due


def _message(
    channel: Channel, condition: Condition, event: str, now: datetime, budget: Budget
) -> Delivery:
    status, reason = decide(channel, now=now, budget=budget)
    title, body = compose(condition, event, now=now)
    return Delivery(
        channel=channel,
        condition=condition,
        event=event,
        status=status,
        reason=reason,
        title=title,
        body=body,
        created_at=now,
        queued_at=now if status == Delivery.Status.QUEUED else None,
    )


def _lost(*, now: datetime) -> list[int]:
    """Messages no task has taken for LOST_AFTER (the broker lost it, or its worker died while
    sending: a task ends within CELERY_TASK_TIME_LIMIT): queued again, once per LOST_AFTER.
    At most one message twice, never one lost."""
    stale = now - LOST_AFTER
    waiting = Delivery.objects.filter(
        Q(status=Delivery.Status.QUEUED, queued_at__lt=stale)
        | Q(status=Delivery.Status.SENDING, claimed_at__lt=stale)
    )
    ids = list(waiting.values_list("pk", flat=True)[:500])
    if ids:
        Delivery.objects.filter(pk__in=ids).update(status=Delivery.Status.QUEUED, queued_at=now)
    return ids


def _queue(ids: list[int]) -> None:
    """One task per message. A broker that is down loses nothing: the messages stay queued
    and a later check queues them again (`_lost`)."""
    from alerts.tasks import deliver  # the tasks import the services

    for delivery_id in ids:
        try:
            deliver.delay(delivery_id)
        except Exception:
            logger.exception("alert %s could not be queued; a later check queues it", delivery_id)
