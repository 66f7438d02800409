"""How a panel's answer to an order action reads on the order's page and in its message."""

from __future__ import annotations

from orders.models import BulkItem, Order

Outcome = BulkItem.Outcome


def cancel_answer(item: BulkItem | None, order: Order) -> tuple[str, str]:
    """(message level, sentence) for the answer to a request to cancel `order`: what the panel
    said, in its own words when it refused. The level is a `django.contrib.messages` one."""
    panel, pk = order.panel.name, order.pk
    said = (item.message or "").strip() if item else ""
    outcome = item.outcome if item else Outcome.NOT_SENT
    if outcome == Outcome.DONE:
        return "success", f"Order #{pk}: {panel} accepted the cancel."
    if outcome == Outcome.REJECTED:
        return "error", f"Order #{pk}: {panel} refused to cancel it: {said or 'no reason given'}"
    if outcome == Outcome.UNKNOWN:
        return "warning", (
            f"Order #{pk}: no clear answer from {panel}, so it may or may not "
            f"be canceled{f' ({said})' if said else ''}. Its status will "
            "show which."
        )
    if outcome == Outcome.PENDING:
        return "info", f"Order #{pk}: the cancel is being sent to {panel}."
    if outcome == Outcome.SKIPPED:
        return "error", f"Order #{pk} cannot be canceled: {said}"
    return "error", (
        f"Order #{pk}: the cancel could not be sent to {panel}"
        f"{f' ({said})' if said else ''}. Nothing was canceled."
    )
