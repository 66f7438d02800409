"""The periodic check: what is wrong now against what was wrong, and who hears of it.

One run: find every condition (`alerts.conditions`), open the new ones, resolve the ones no
longer found, and for each active channel write the messages due: an alert when a condition
it wants first passes its threshold, a "resolved" when a condition it was told of ends. Each
message goes through the channel's storm rules (`policy.decide`) and is logged as a Delivery
whatever its fate; the queued ones are sent on commit, one task each. Held messages are
bundled into summaries (`summaries`). The number of queries does not grow with orders.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from alerts import conditions
from alerts.conditions import Found
from alerts.models import EVENT_KINDS, Channel, Condition, Delivery, Kind
from alerts.services import summaries
from alerts.services.messages import compose
from alerts.services.policy import Budget, decide

# A message still queued or sending this long after it was written lost its task (a worker
# died, the broker was emptied): the check queues it again. Sending claims it once.
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
        deliveries = _alerts_due([*still, *opened], channels, now=now, budget=budget)
        deliveries += _resolutions_due(resolved, channels, now=now, budget=budget)
        Delivery.objects.bulk_create(deliveries)
        deliveries += summaries.bundle_due(channels, now=now)
        queued = [row.pk for row in deliveries if row.status == Delivery.Status.QUEUED]
        queued += _lost(now=now)
        transaction.on_commit(lambda: _queue(queued))
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


def _past_threshold(channel: Channel, condition: Condition, *, now: datetime) -> bool:
    if condition.kind == Kind.PANEL_FAILING:
        return now - condition.since >= timedelta(minutes=channel.failing_minutes)
    if condition.kind == Kind.PRICE_RISE:
        return condition.measure is not None and condition.measure >= channel.price_rise_percent
    return True


def _told(conditions_: list[Condition], *, announced: bool = False) -> dict[int, set[int]]:
    """The channels each condition has an alert message for already: condition id → ids.

    A suppressed alert counts as told (one message per condition, never a retry), but not as
    `announced`: a channel that never heard of a condition is not told it ended."""
    told: dict[int, set[int]] = defaultdict(set)
    rows = Delivery.objects.filter(
        condition__in=[row.pk for row in conditions_], event=Delivery.Event.OPENED
    )
    if announced:
        rows = rows.exclude(status=Delivery.Status.SUPPRESSED)
    for condition_id, channel_id in rows.values_list("condition_id", "channel_id"):
        if condition_id is not None:
            told[condition_id].add(channel_id)
    return told


def _alerts_due(
    open_conditions: list[Condition], channels: list[Channel], *, now: datetime, budget: Budget
) -> list[Delivery]:
    told = _told(open_conditions)
    due = []
    for condition in open_conditions:
        for channel in channels:
            if not channel.wants(condition.kind) or channel.pk in told[condition.pk]:
                continue
            if not _past_threshold(channel, condition, now=now):
                continue
            due.append(_message(channel, condition, Delivery.Event.OPENED, now, budget))
    return due


def _resolutions_due(
    resolved: list[Condition], channels: list[Channel], *, now: datetime, budget: Budget
) -> list[Delivery]:
    """A "resolved" to each channel that was told (not for events, which do not end). A
    channel whose alert was suppressed gets none either, and the log says so."""
    states = [row for row in resolved if row.kind not in EVENT_KINDS]
    told, announced = _told(states), _told(states, announced=True)
    by_id = {channel.pk: channel for channel in channels}
    due = []
    for condition in states:
        for channel_id in sorted(told[condition.pk]):
            channel = by_id.get(channel_id)
            if channel is None:
                continue
            message = _message(
                channel,
                condition,
                Delivery.Event.RESOLVED,
                now,
                budget,
                send=(channel_id in announced[condition.pk]),
            )
            due.append(message)
    return due


def _message(
    channel: Channel,
    condition: Condition,
    event: str,
    now: datetime,
    budget: Budget,
    *,
    send: bool = True,
) -> Delivery:
    if send:
        status, reason = decide(channel, now=now, budget=budget)
    else:
        status, reason = Delivery.Status.SUPPRESSED, "Its alert was suppressed, so this is too."
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
    )


def _lost(*, now: datetime) -> list[int]:
    """Messages whose task was lost: queued or sending for too long. Sent again (at most one
    message twice, never one lost)."""
    lost = Delivery.objects.filter(
        status__in=[Delivery.Status.QUEUED, Delivery.Status.SENDING],
        created_at__lt=now - LOST_AFTER,
        sent_at__isnull=True,
    )
    ids = list(lost.values_list("pk", flat=True)[:500])
    if ids:
        Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING).update(
            status=Delivery.Status.QUEUED
        )
    return ids


def _queue(ids: list[int]) -> None:
    from alerts.tasks import deliver  # the tasks import the services

    for delivery_id in ids:
        deliver.delay(delivery_id)
