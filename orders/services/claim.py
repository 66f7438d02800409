"""Claiming orders to send: QUEUED -> SUBMITTING, committed before any HTTP, so that whoever
loses a claim does nothing and no order is sent twice (placement.py says what follows).

`order_claim` claims one given order; `order_claim_next` a panel's oldest due order, which on
PostgreSQL it claims and reads back in one statement. `PanelQueue` is a dispatcher's view of
one panel's queue: it keeps the panel and the services it has read, so that an order costs
one round trip before it is sent.
"""

from __future__ import annotations

from datetime import datetime
from time import monotonic

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from orders.models import Order
from panels.models import Panel, Service

# How long a dispatcher sends with the panel as it read it (its key, address and options)
# before it reads it again: an edited key is used from the next order after this.
PANEL_FRESH_SECONDS = 2.0

_TABLE = Order._meta.db_table

# The oldest due queued order, read from the `order_queue` index, locked and moved to
# SUBMITTING in the same statement. SKIP LOCKED lets concurrent dispatchers of a panel take the
# next order instead of waiting on each other's (NO KEY: the lock the UPDATE takes anyway,
# which a row inserted beside the order does not conflict with). The claim is conditional as
# order_claim's is: a row is locked only if it is still queued once locked (PostgreSQL checks
# the conditions again on the row's latest version), and stays so until the UPDATE. The UPDATE
# finds the row by its id alone: a state test there could be read from a state index instead,
# going through every queued order, when the statistics predate a big upload. It may find
# nothing while an order is being taken by another: the dispatcher then looks again before
# it lets go (orders/tasks.py).
_CLAIM_NEXT_SQL = f"""
    UPDATE {_TABLE} SET state = %(submitting)s, submitted_at = %(now)s
    WHERE id = (
        SELECT id FROM {_TABLE}
        WHERE panel_id = %(panel_id)s AND state = %(queued)s
            AND (next_attempt_at IS NULL OR next_attempt_at <= %(now)s)
        ORDER BY created_at, id
        LIMIT 1
        FOR NO KEY UPDATE SKIP LOCKED
    )
    RETURNING *
"""  # noqa: S608 (the table name is the model's; the values are parameters)


def _claim_params(panel_id: int, now: datetime) -> dict[str, str | int | datetime]:
    return {
        "submitting": str(Order.State.SUBMITTING),
        "queued": str(Order.State.QUEUED),
        "panel_id": panel_id,
        "now": now,
    }


def order_claim(*, order_id: int) -> bool:
    """QUEUED -> SUBMITTING, as one conditional UPDATE committed before any HTTP."""
    return (
        Order.objects.filter(pk=order_id, state=Order.State.QUEUED).update(
            state=Order.State.SUBMITTING, submitted_at=timezone.now()
        )
        == 1
    )


def order_claim_next(*, panel_id: int) -> Order | None:
    """Claim the oldest due QUEUED order of the panel: the order as claimed (its panel and
    service are read when used), or None when there is none left. One statement on
    PostgreSQL, which returns the row it claimed."""
    now = timezone.now()
    if connection.vendor == "postgresql":
        claimed = list(Order.objects.raw(_CLAIM_NEXT_SQL, _claim_params(panel_id, now)))
        return claimed[0] if claimed else None
    pk = _claim_next_read_then_update(panel_id, now)
    return None if pk is None else Order.objects.get(pk=pk)


def _claim_next_read_then_update(panel_id: int, now: datetime) -> int | None:
    """Elsewhere (SQLite): read the oldest, then claim it conditionally; look again if another
    dispatcher took it between the two."""
    while True:
        candidate = (
            Order.objects.filter(panel_id=panel_id, state=Order.State.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if candidate is None or order_claim(order_id=candidate):
            return candidate


class PanelQueue:
    """One dispatcher's claims on one panel's queue (`order_claim_next`), with the panel and
    the services it has read kept: an order costs its claim alone before it is sent, not
    also a read of its panel and service. The panel is read again every PANEL_FRESH_SECONDS;
    a service once per dispatcher, as what sending uses of it (its id on the panel) never
    changes for a service.
    """

    def __init__(self, panel: Panel) -> None:
        self._panel = panel
        self._panel_read_at = monotonic()
        self._services: dict[int, Service] = {}

    def claim_next(self) -> Order | None:
        order = order_claim_next(panel_id=self._panel.pk)
        if order is not None:
            order.panel = self._fresh_panel()
            order.service = self._service(order.service_id)
        return order

    def _fresh_panel(self) -> Panel:
        if monotonic() - self._panel_read_at > PANEL_FRESH_SECONDS:
            self._panel = Panel.objects.get(pk=self._panel.pk)
            self._panel_read_at = monotonic()
        return self._panel

    def _service(self, service_id: int) -> Service:
        if service_id not in self._services:
            self._services[service_id] = Service.objects.get(pk=service_id)
        return self._services[service_id]
