"""Reads for the upload pages: the order each shown row of a submitted upload became."""

from __future__ import annotations

from typing import Any

from orders.models import Order, Upload
from orders.rows import OrderRow, detail_url_maker, order_row


def upload_row_orders(upload: Upload, rows: list[dict[str, Any]]) -> dict[int, OrderRow]:
    """{row number: the order queued from it, as a badge and a link}, for the rows shown.

    One query, whatever the number of rows: the rows are (upload, upload_row) unique."""
    numbers = [int(row["row"]) for row in rows]
    orders = Order.objects.filter(upload=upload, upload_row__in=numbers).select_related("panel")
    url = detail_url_maker()
    return {order.upload_row: order_row(order, url) for order in orders if order.upload_row}
