"""What each part of an order's page shows, built for that part alone.

The page has a live block (state, numbers, history, refills, the panel's last answer,
resolving an unknown outcome) that polls itself every few seconds while the order can
change, and an aside (what was ordered, the Cancel card) that does not. The poll renders
the live block only, so it builds `order_live_context` only: the Cancel card's eligibility
and the panel's last answer to a cancel are never computed for it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from core.money import money_text
from currency.conversion import Converter
from orders.charges import charge_check
from orders.models import BulkAction, Order, OrderStatusChange
from orders.presenters.answers import cancel_answer
from orders.presenters.tones import state_tone, status_tone
from orders.profit import order_profit
from orders.selectors import order_last_cancel
from orders.services.bulk import order_why_not

State = Order.State
# Seconds between two looks while the order may still change; None: it is settled.
POLL_SENDING, POLL_PLACED = 3, 5


def poll_every(order: Order) -> int | None:
    if order.state in (State.QUEUED, State.SUBMITTING):
        return POLL_SENDING
    if order.state == State.PLACED and not order.is_final:
        return POLL_PLACED
    return None


def _panel_site(api_url: str) -> str:
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}/" if parts.scheme in ("http", "https") else ""


def _history(order: Order) -> list[tuple[OrderStatusChange, str]]:
    """The order's changes with their charge text, oldest first; a rejection or a person's
    "not placed" is an entry at its moment, before anything that came later (a late answer)."""
    changes = list(order.status_changes.all())
    closed = {
        State.REJECTED.value: f"Rejected by {order.panel.name}",
        State.NOT_PLACED.value: "Confirmed not placed",
    }.get(str(order.state), "")
    if closed and order.finished_at:
        at = next((i for i, c in enumerate(changes) if c.created_at > order.finished_at), None)
        entry = OrderStatusChange(order=order, created_at=order.finished_at, note=closed)
        changes.insert(len(changes) if at is None else at, entry)
    return [(c, money_text(c.charge) if c.charge is not None else "") for c in changes]


def order_target(order: Order) -> str:
    """What the order is for, as a person looks for it on the panel: its link or username."""
    return order.link or str((order.params or {}).get("username", ""))


def order_live_context(order: Order) -> dict[str, Any]:
    """The live block: what the poll re-renders. `order` comes from
    `orders.selectors.order_detail` (its history, refills and retries prefetched), so the
    queries do not grow with them; the Refill button's eligibility adds two."""
    raw = json.dumps(order.raw_status, indent=2, cls=DjangoJSONEncoder) if order.raw_status else ""
    return {
        "order": order,
        "poll_every": poll_every(order),
        "state_tone": state_tone(order.state),
        "status_tone": status_tone(order.status),
        "estimated": money_text(order.estimated_cost) if order.estimated_cost is not None else "",
        "charge": money_text(order.charge) if order.charge is not None else "",
        "charge_check": charge_check(order),
        "refund": money_text(order.refund) if order.refund is not None else "",
        "profit": order_profit(order, Converter()) if order.sale_price is not None else None,
        "raw_json": raw,
        "panel_site": _panel_site(order.panel.api_url),
        "target": order_target(order),
        "can_refresh": order.can_refresh,
        "can_place_again": order.can_place_again,
        "history": _history(order),
        "refills": list(order.refills.all()),
        "refill_why_not": order_why_not(order=order, kind=BulkAction.Kind.REFILL) or "",
        "now": timezone.now(),  # the refill period's end reads as ahead or past
        "retries": list(order.retries.all()),
        "resolve_errors": {},
        "confirm": None,
        "note": None,
    }


def _last_cancel(order: Order) -> dict[str, Any] | None:
    """The panel's answer to the latest request to cancel this order, for its Cancel card."""
    item = order_last_cancel(order=order)
    if item is None:
        return None
    level, text = cancel_answer(item, order)
    return {"level": level, "text": text, "at": item.bulk.created_at, "by": item.bulk.created_by}


def order_cancel_context(order: Order) -> dict[str, Any]:
    """The Cancel card in the aside: whether the order can be canceled (two queries), and
    its remains re-placed (three), and the panel's answer to the last request (one)."""
    return {
        "cancel_why_not": order_why_not(order=order, kind=BulkAction.Kind.CANCEL) or "",
        "replace_why_not": order_why_not(order=order, kind=BulkAction.Kind.REPLACE) or "",
        "last_cancel": _last_cancel(order),
        "cancel_token": None,  # set on the confirmation step of Cancel
    }
