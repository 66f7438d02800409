"""A panel's balance: store one just read, and refresh it soon after it changed.

Placing an order spends from the panel's balance and a cancel gives some back, so the balance
the dashboard shows (and the order form judges with) would be stale until the next scheduled
check. `balance_refresh_soon` schedules one balance call a little later; a burst of orders on
one panel shares that one call (the cache holds a per-panel mark while one is scheduled).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from panels.api.client import PanelClient
from panels.api.errors import PanelError
from panels.models import BalanceReading, Panel
from panels.services.panel import panel_mark_failing, panel_mark_ok, panel_note_problem

logger = logging.getLogger(__name__)

# The mark outlives the countdown: a task running late still finds it and clears it; a task
# lost with the broker stops blocking new ones once the mark expires.
MARK_LIFETIME_FACTOR = 4


def balance_store(*, panel: Panel, amount: Decimal, currency: str) -> None:
    """Store a balance the panel has just answered (the panel answered: it is OK), and keep it
    as a reading: the ledger checks each move of the balance against the orders."""
    now = timezone.now()
    currency = currency or panel.currency
    with transaction.atomic():
        Panel.objects.filter(pk=panel.pk).update(
            balance=amount, currency=currency, balance_checked_at=now
        )
        BalanceReading.objects.create(panel=panel, amount=amount, currency=currency, read_at=now)
    panel.balance, panel.currency, panel.balance_checked_at = amount, currency, now
    panel_mark_ok(panel=panel)


def _mark(panel_id: int) -> str:
    return f"panels:balance-refresh:{panel_id}"


def balance_refresh_soon(*, panel_ids: Iterable[int]) -> None:
    """Read these panels' balances again in BALANCE_REFRESH_DELAY seconds, once per panel
    however many times this is called meanwhile. Scheduled when the current transaction
    commits, so an order rolled back schedules nothing."""
    for panel_id in set(panel_ids):
        transaction.on_commit(lambda pk=panel_id: _schedule(pk), robust=True)  # type: ignore[misc]


def _schedule(panel_id: int) -> None:
    from panels.tasks import balance_refresh  # the tasks import the services

    delay = settings.BALANCE_REFRESH_DELAY
    if not cache.add(_mark(panel_id), "1", timeout=delay * MARK_LIFETIME_FACTOR):
        return  # one is scheduled already and has not read the balance yet
    try:
        balance_refresh.apply_async((panel_id,), countdown=delay)
    except Exception:
        cache.delete(_mark(panel_id))  # let the next order try again
        raise


def balance_check_soon(*, panel: Panel) -> None:
    """Read a saved panel's balance in the background once the save commits, so the panels
    list shows it. A disabled panel is not asked."""
    if not panel.is_active:
        return
    from panels.tasks import balance_sync as balance_sync_task  # the tasks import the services

    transaction.on_commit(lambda: balance_sync_task.delay(panel.pk), robust=True)


def balance_refresh_started(*, panel_id: int) -> None:
    """The scheduled refresh is about to read the balance: an order placed from now on may
    not be in what it reads, so it schedules a refresh of its own."""
    cache.delete(_mark(panel_id))


def balance_sync(*, panel: Panel, client: PanelClient | None = None) -> None:
    """Store the panel's balance. A balance that cannot be used (1e30, negative, "abc") leaves
    the stored one as it was and says why on the panel; only a panel-level failure raises."""
    client = client or panel.client()
    try:
        balance = client.balance()
    except PanelError as exc:
        panel_mark_failing(panel=panel, error=exc)
        raise
    if balance.amount is None:
        panel_note_problem(
            panel=panel, message=f"Balance not updated: {balance.problem}. The last one is kept."
        )
        return
    balance_store(panel=panel, amount=balance.amount, currency=balance.currency)
