"""The ledger's writes: balance checks and top-ups."""

from ledger.services.reconcile import ReconcileResult, interval_recheck, panel_reconcile
from ledger.services.top_ups import check_acknowledge, top_up_decide, top_up_record

__all__ = [
    "ReconcileResult",
    "check_acknowledge",
    "interval_recheck",
    "panel_reconcile",
    "top_up_decide",
    "top_up_record",
]
