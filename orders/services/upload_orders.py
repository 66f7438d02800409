"""The orders an upload's rows become when it is submitted (orders.services.uploads), built
in memory for one insert: routed rows routed again on offers read once, each row's order
built and validated as `order_create` builds it, and the rows refused moved aside with why."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from orders.models import Order, Upload
from orders.routing import Ask, Policy, route
from orders.routing_offers import routing_offers_by_key
from orders.services.create import order_build
from orders.services.duplicates import row_panels
from orders.services.failover import routed_choice
from orders.upload_totals import row_sale_price
from panels.models import Service

Routed = tuple[int, dict[str, Any]] | str  # (the service picked, Order.route) or why none


def route_again(pending: list[dict[str, Any]], panels: frozenset[int]) -> dict[int, Routed]:
    """{row: its route now} for the routed rows: among the panels checked and locked for its
    link (row_panels), on the offers as they are now, read once for every offer (three
    queries, none without routed rows)."""
    routed = [entry for entry in pending if entry.get("route")]
    if not routed:
        return {}
    base, offers = routing_offers_by_key(
        match_keys={entry["route"]["key"] for entry in routed}, today=timezone.localdate()
    )
    found: dict[int, Routed] = {}
    for entry in routed:
        key = entry["route"]["key"]
        policy = Policy(excluded=panels - set(row_panels(entry)))
        result = route(Ask(entry["type"], entry["values"]), offers.get(key, []), policy, base=base)
        try:
            found[entry["row"]] = routed_choice(result, match_key=key, policy=policy)
        except ValidationError as exc:
            found[entry["row"]] = exc.messages[0]
    return found


def row_order(
    entry: dict[str, Any],
    routes: dict[int, Routed],
    services: dict[int, Service],
    create: dict[str, Any],
) -> Order | list[str]:
    """The row's order, built and validated as `order_create` does (not saved), or why the
    row can no longer be queued."""
    stamp: dict[str, Any] | None = None
    if entry.get("route"):
        routed = routes[entry["row"]]
        if isinstance(routed, str):
            return [f"No longer valid when queued: {routed}"]
        service_id, stamp = routed
    else:
        service_id = entry["service_id"]
    service = services.get(service_id)
    if service is None:
        return ["The service was removed before the rows were queued."]
    try:
        return order_build(
            service=service,
            values=entry["values"],
            upload_row=entry["row"],
            sale_price=row_sale_price(entry)[0],
            customer_ref=entry.get("customer", ""),
            route=stamp,
            **create,
        )
    except ValidationError as exc:
        return [f"No longer valid when queued: {m}" for m in exc.messages]


def set_aside(upload: Upload, refused: dict[int, list[str]]) -> list[str]:
    """Move the rows refused at submit from the valid rows to the invalid ones, with their
    reasons and the cells they had: nothing is lost, and the page and the CSV say why."""
    if not refused:
        return []
    kept = []
    for entry in upload.valid_rows:
        if entry["row"] not in refused:
            kept.append(entry)
            continue
        raw = {"panel": entry["panel"], "service": entry["service"], **entry["values"]}
        raw |= {k: entry[k] for k in ("sale_price", "customer") if entry.get(k)}
        reasons = refused[entry["row"]]
        upload.invalid_rows.append(
            {"row": entry["row"], "raw": raw, "errors": reasons, "at_submit": True}
        )
    upload.invalid_rows.sort(key=lambda r: r["row"])
    upload.valid_rows = kept
    upload.rows_valid, upload.rows_invalid = len(kept), len(upload.invalid_rows)
    return ["valid_rows", "invalid_rows", "rows_valid", "rows_invalid"]
