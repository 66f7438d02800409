"""The ledger's writes: balance checks and top-ups."""

from ledger.services.reconcile import ReconcileResult, interval_recheck, panel_reconcile
from ledger.services.top_ups import top_up_decide, top_up_record

__all__ = [
    "ReconcileResult",
    "interval_recheck",
    "panel_reconcile",
    "top_up_decide",
    "top_up_record",
]
