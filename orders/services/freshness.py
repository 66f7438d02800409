"""Fresh statuses before a bulk preview judges them.

A refill needs a completed order, a cancel a running one; statuses synced up to five minutes
ago get both wrong for orders that finished meanwhile. So the preview first asks the panels
about the selected orders that may still change (the status sync's 100-id batches), unless
the selection is too large to ask about while someone waits; then it says how old they are.
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Min, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.models import Order
from orders.services.status import READ, WRITTEN, orders_status_sync
from panels.api.errors import PanelError
from panels.api.normalise import Status
from panels.api.wire import BATCH_SIZE
from panels.models import Panel
from panels.services.explain import explain_error

logger = logging.getLogger(__name__)

# Orders asked about before a preview: 30 calls of 100 at most, a few seconds per panel.
REFRESH_LIMIT = 3000
# A preview waits on the panels: no retries, and no panel's 30-second timeout.
REFRESH_TIMEOUT = 10.0
# ...and all of them together get this long, well inside the web server's 60-second limit: a
# panel that answers slowly (or trickles) leaves later panels unasked rather than the page
# timing out.
REFRESH_BUDGET = 25.0
SHORTEST_CALL = 2.0  # below this a call is not worth making


@dataclass(frozen=True)
class PanelNotRefreshed:
    name: str
    reason: str  # in plain words (explain_error)
    read_at: datetime | None  # when the oldest of its statuses was read


@dataclass(frozen=True)
class Freshness:
    """How fresh the statuses the preview judged are."""

    refreshed: bool  # False: too many to ask about (see `selected`, `read_at`)
    asked: int = 0  # orders whose status was read now (their panel answered)
    selected: int = 0  # orders that may still change in the selection
    at: datetime | None = None  # when they were asked for
    read_at: datetime | None = None  # not refreshed: when the oldest status was read
    failed: list[PanelNotRefreshed] = field(default_factory=list)
    limit: int = REFRESH_LIMIT


def _changing(orders: QuerySet[Order]) -> QuerySet[Order]:
    """The selected orders whose status the panel may still change."""
    return orders.filter(state=Order.State.PLACED, remote_id__isnull=False).exclude(
        status__in=Status.FINAL
    )


def _oldest_read(orders: QuerySet[Order]) -> datetime | None:
    oldest: datetime | None = orders.order_by().aggregate(
        at=Min(Coalesce("status_checked_at", "placed_at"))
    )["at"]
    return oldest


def _ask(panel: Panel, orders: list[Order], *, budget: float) -> str | None:
    """Read and write the panel's statuses of `orders` within `budget` seconds; why not, in
    plain words, when they could not be read."""
    calls = math.ceil(len(orders) / BATCH_SIZE)
    timeout = min(float(panel.timeout_seconds), REFRESH_TIMEOUT, budget / calls)
    if timeout < SHORTEST_CALL:
        return f"Not asked: the {REFRESH_BUDGET:g} seconds a preview waits for the panels ran out."
    try:
        client = panel.client(retries=0, timeout=timeout)
        orders_status_sync(panel=panel, orders=orders, client=client)
    except Exception as exc:  # its answers before the failure are written all the same
        if not isinstance(exc, PanelError):  # the key cannot be decrypted, a bug...
            logger.exception("statuses of panel %s not refreshed for a preview", panel.pk)
        return explain_error(exc)
    return None


def statuses_refresh(*, orders: QuerySet[Order], limit: int | None = None) -> Freshness:
    """Ask the panels about the selected orders that may still change, and write the
    answers. A panel that fails is named with its reason; the others are refreshed anyway."""
    limit = REFRESH_LIMIT if limit is None else limit
    changing = _changing(orders)
    count = changing.count()
    if count > limit:
        return Freshness(
            refreshed=False, selected=count, read_at=_oldest_read(changing), limit=limit
        )
    by_panel: dict[int, list[Order]] = defaultdict(list)
    for order in changing.order_by().select_related(None).only(*WRITTEN, *READ):
        by_panel[order.panel_id].append(order)
    failed = []
    started = time.monotonic()
    for panel in Panel.objects.filter(pk__in=by_panel).order_by("name"):
        left = REFRESH_BUDGET - (time.monotonic() - started)
        why_not = _ask(panel, by_panel[panel.pk], budget=left)
        if why_not is not None:
            oldest = _oldest_read(changing.filter(panel=panel))
            failed.append(PanelNotRefreshed(panel.name, why_not, oldest))
            count -= len(by_panel[panel.pk])
    return Freshness(
        refreshed=True,
        asked=count,
        selected=changing.count(),
        at=timezone.now(),
        failed=failed,
        limit=limit,
    )
