"""Reads for the upload pages: the order each shown row of a submitted upload became, and
how far its orders have got."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from orders.models import Order, Upload
from orders.presenters.tones import state_tone
from orders.rows import OrderRow, detail_url_maker, order_row


def upload_row_orders(upload: Upload, rows: list[dict[str, Any]]) -> dict[int, OrderRow]:
    """{row number: the order queued from it, as a badge and a link}, for the rows shown.

    One query, whatever the number of rows: the rows are (upload, upload_row) unique."""
    numbers = [int(row["row"]) for row in rows]
    orders = Order.objects.filter(upload=upload, upload_row__in=numbers).select_related("panel")
    url = detail_url_maker()
    return {order.upload_row: order_row(order, url) for order in orders if order.upload_row}


# States an uploaded order goes through on its way to the panel, with their labels.
PROGRESS_STATES = (
    (Order.State.QUEUED, "Queued"), (Order.State.SUBMITTING, "Sending"),
    (Order.State.PLACED, "Placed"), (Order.State.REJECTED, "Rejected"),
    (Order.State.UNKNOWN, "Outcome unknown"), (Order.State.NOT_PLACED, "Not placed"),
)  # fmt: skip


def upload_sending_progress(item: Upload) -> dict[str, object]:
    """How far the upload's orders have got, each state with its count and tone. One query."""
    counts = dict(
        Order.objects.filter(upload=item)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    total = sum(counts.values())
    waiting = counts.get(Order.State.QUEUED, 0) + counts.get(Order.State.SUBMITTING, 0)
    return {
        "total": total,
        "done": total - waiting,
        "percent": round((total - waiting) * 100 / total) if total else 100,
        "running": waiting > 0,
        "states": [
            (label, counts.get(state, 0), state_tone(state))
            for state, label in PROGRESS_STATES
            if counts.get(state, 0)
        ],
    }
