"""What a person decides: top-ups recorded, or a suggested one confirmed (or set aside) with
one click, each followed by the check of its interval worked out again; and a flagged
interval acknowledged."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from ledger.models import BalanceCheck, TopUp
from ledger.services.reconcile import interval_recheck
from panels.models import Panel


def _person(user: Any) -> Any:
    """The signed-in user, or None (a task, the shell)."""
    return user if getattr(user, "is_authenticated", False) else None


def top_up_record(
    *, panel: Panel, amount: Decimal, at: datetime, note: str = "", user: Any = None
) -> TopUp:
    with transaction.atomic():
        top_up = TopUp.objects.create(
            panel=panel,
            amount=amount,
            at=at,
            note=note,
            state=TopUp.State.CONFIRMED,
            created_by=_person(user),
        )
        interval_recheck(panel=panel, at=at)
    return top_up


def top_up_decide(*, top_up: TopUp, confirm: bool, user: Any = None) -> bool:
    """Confirm a suggested top-up (it then counts) or set it aside (the flag stays). False if
    it was decided already (a second click, another tab)."""
    state = TopUp.State.CONFIRMED if confirm else TopUp.State.DISMISSED
    with transaction.atomic():
        claimed = TopUp.objects.filter(pk=top_up.pk, state=TopUp.State.SUGGESTED).update(
            state=state, created_by=_person(user)
        )
        if claimed and confirm:
            interval_recheck(panel=top_up.panel, at=top_up.at)
    return bool(claimed)


def check_acknowledge(*, check: BalanceCheck, user: Any = None) -> bool:
    """A person looked at this flagged interval: it leaves the overview. False if it was
    acknowledged already (or is not flagged)."""
    return bool(
        BalanceCheck.objects.filter(
            pk=check.pk, result=BalanceCheck.Result.FLAGGED, acknowledged_at__isnull=True
        ).update(acknowledged_at=timezone.now(), acknowledged_by=_person(user))
    )
