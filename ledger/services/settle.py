"""Each check's verdict from its numbers, and the one case where two checks settle each other.

A refund reaches the panel's balance when the panel ends the order; we count it when our
status sync sees it (`Order.refund_seen_at`). A balance reading that falls between the two
sees a rise nothing explains, and the next interval expects a refund that does not move the
balance. The two differences cancel: such a pair of neighbouring checks is not flagged, and
says why. Any other difference stays flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from ledger.models import BalanceCheck

TIMING_NOTE = (
    "Settled with the neighbouring interval: a refund or charge reached the balance on the "
    "other side of a reading from when the dashboard saw it."
)


def _off(check: BalanceCheck) -> bool:
    return abs(check.difference) > check.tolerance


def checks_settle(checks: Sequence[BalanceCheck]) -> list[BalanceCheck]:
    """Set `result` and `note` on `checks` (one panel's, consecutive, oldest first) from their
    numbers; return those that changed. Checks that were not compared keep their verdict."""
    before = {id(c): (c.result, c.note) for c in checks}
    for check in checks:
        if check.result != BalanceCheck.Result.BROKEN:
            flagged = _off(check)
            check.result = BalanceCheck.Result.FLAGGED if flagged else BalanceCheck.Result.OK
            check.note = ""
    for first, second in pairwise(checks):
        if not (first.is_flagged and second.is_flagged and first.end_id == second.start_id):
            continue
        if abs(first.difference + second.difference) <= max(first.tolerance, second.tolerance):
            for check in (first, second):
                check.result, check.note = BalanceCheck.Result.OK, TIMING_NOTE
    return [c for c in checks if (c.result, c.note) != before[id(c)]]
