"""Refill status sync: ask each panel about the refills it is still working on."""

from __future__ import annotations

from django.utils import timezone

from orders.models import Refill
from panels.api.answer_values import clean
from panels.api.client import PanelClient
from panels.api.errors import PanelError
from panels.api.normalise import RefillStatus
from panels.api.wire import BATCH_SIZE
from panels.models import Panel
from panels.services import panel_mark_failing


def refills_status_sync(*, panel: Panel, client: PanelClient | None = None) -> int:
    """Ask the panel about its unfinished refills, 100 per call. Returns how many changed.

    A refill whose answer cannot be used keeps its status and shows why; the others are
    written. Answers are written even when a later call fails; then the PanelError is raised
    and the panel is marked failing."""
    refills = list(
        Refill.objects.filter(order__panel=panel, remote_id__isnull=False).exclude(
            status__in=RefillStatus.FINAL
        )
    )
    if not refills:
        return 0
    by_remote = {r.remote_id: r for r in refills if r.remote_id}
    client = client or panel.client()
    ids, changed, asked, failure = list(by_remote), 0, [], None
    for start in range(0, len(ids), BATCH_SIZE):
        try:
            answers = client.refill_statuses(ids[start : start + BATCH_SIZE])
        except PanelError as exc:
            failure = exc
            break
        now = timezone.now()
        for remote_id, state in answers.items():
            refill = by_remote[remote_id]
            asked.append(refill)
            refill.status_checked_at = now
            if state.error is not None:
                refill.last_error = clean(state.error.message or state.error.text)[:2000]
                continue
            refill.last_error = ""
            if (state.status, state.raw_status) != (refill.status, refill.status_raw):
                refill.status = state.status or refill.status
                refill.status_raw = state.raw_status[:100]
                changed += 1
    Refill.objects.bulk_update(
        asked, ["status", "status_raw", "last_error", "status_checked_at"], batch_size=1000
    )
    if failure is not None:
        panel_mark_failing(panel=panel, error=failure)
        raise failure
    return changed
