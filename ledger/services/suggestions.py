"""An unexplained rise of a balance is most often money the user put on the panel: it is
offered as a top-up to confirm (one per check), and withdrawn once something else explains it.
A confirmed or dismissed one is the user's word and stays."""

from __future__ import annotations

from collections.abc import Sequence

from ledger.models import BalanceCheck, TopUp


def suggestions_sync(*, checks: Sequence[BalanceCheck]) -> None:
    existing = {t.suggested_by_id: t for t in TopUp.objects.filter(suggested_by__in=checks)}
    new: list[TopUp] = []
    for check in checks:
        offered = existing.get(check.pk)
        wanted = check.is_flagged and check.is_rise
        if offered is not None and offered.state != TopUp.State.SUGGESTED:
            continue
        if wanted and offered is None:
            new.append(
                TopUp(
                    panel_id=check.panel_id,
                    amount=check.difference,
                    at=check.ended_at,
                    state=TopUp.State.SUGGESTED,
                    suggested_by=check,
                    note="A rise of the balance that no order explained",
                )
            )
        elif wanted and offered is not None and offered.amount != check.difference:
            TopUp.objects.filter(pk=offered.pk).update(amount=check.difference)
        elif not wanted and offered is not None:
            offered.delete()
    TopUp.objects.bulk_create(new)
