"""Sending one logged message: claimed once, sent through its channel, its fate recorded.

A failed send is tried again later (exponential backoff, `ALERTS_SEND_ATTEMPTS` in all) and
then logged as failed with the error. A dead channel only ever costs its own retries: sends run
in their own tasks, with Apprise's short connect and read timeouts, and nothing waits on them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from alerts import channels
from alerts.models import Delivery


@dataclass(frozen=True)
class SendOutcome:
    sent: bool
    error: str = ""
    retry_in: float | None = None  # seconds until the next try, when one is due


def retry_delay(attempt: int) -> float:
    return float(settings.ALERTS_RETRY_BACKOFF) * (2 ** (attempt - 1))


def delivery_send(*, delivery_id: int) -> SendOutcome:
    claimed = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
    )
    if not claimed:
        return SendOutcome(sent=False, error="not queued")
    delivery = Delivery.objects.select_related("channel").filter(pk=delivery_id).first()
    if delivery is None:  # its channel was removed meanwhile, and the message with it
        return SendOutcome(sent=False, error="not queued")
    error = channels.send(delivery.channel, title=delivery.title, body=delivery.body)
    if error is None:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), reason=""
        )
        return SendOutcome(sent=True)
    if delivery.attempts < settings.ALERTS_SEND_ATTEMPTS:
        delay = retry_delay(delivery.attempts)
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.QUEUED,
            queued_at=timezone.now() + timedelta(seconds=delay),  # not lost while it waits
            reason=f"Try {delivery.attempts} failed, trying again in {delay:g} s: {error}"[:500],
        )
        return SendOutcome(sent=False, error=error, retry_in=delay)
    Delivery.objects.filter(pk=delivery_id).update(
        status=Delivery.Status.FAILED,
        reason=f"Failed after {delivery.attempts} tries: {error}"[:500],
    )
    return SendOutcome(sent=False, error=error)
