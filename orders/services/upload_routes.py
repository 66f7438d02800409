"""Upload rows that order an offer rather than a panel: the optional `route` column, `best`.

The row's panel and service still name the offer (the service's match key, as the order form
and the comparison read it); the cheapest panel selling that offer that can take the row
gets it, as "best panel" does on the order form (orders/routing.py). The check picks it
now, so the preview says where each row would go and why, and prices the row there; the
submit routes again (the panels may have changed meanwhile) and keeps the reason on the
order. An active order for the row's link on any panel of the offer holds the row back:
routing must not buy the same thing twice on a panel the file did not name
(orders.services.duplicates.row_panels: the panels every duplicate check reads for a row).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from orders.routing import Ask, Policy, route
from orders.routing_offers import routing_offers_by_key
from panels.models import Service

BEST = "best"
ROUTE_HELP = (
    f"Route: write {BEST!r} (the cheapest panel selling this offer takes the order) or leave "
    "it empty (the row's panel takes it)."
)


def read_route(cell: str) -> tuple[bool, str]:
    """(whether the row asks for the best panel, the error for anything else written)."""
    text = cell.strip().casefold()
    if not text:
        return False, ""
    return (True, "") if text == BEST else (False, ROUTE_HELP)


def rows_routed(entries: Iterable[dict[str, Any]]) -> tuple[dict[int, str], list[Service]]:
    """Route each valid entry that asks for it, in place: its panel, service and cost become
    the best choice's, and `route` holds the offer, the reason and every panel of the offer.
    ({row: why not} for those no panel can take, the services chosen). Three queries for
    every offer of the file together, and one for the services chosen."""
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        if entry.get("route"):
            by_key[entry["route"]["key"]].append(entry)
    if not by_key:
        return {}, []
    refused: dict[int, str] = {}
    routed: list[dict[str, Any]] = []
    base, all_offers = routing_offers_by_key(match_keys=by_key, today=timezone.localdate())
    for key, group in by_key.items():
        offers = all_offers.get(key, [])
        panels = sorted({offer.panel_id for offer in offers})
        for entry in group:
            result = route(Ask(entry["type"], entry["values"]), offers, Policy(), base=base)
            best = result.best
            if best is None:
                refused[entry["row"]] = result.reason()
                continue
            entry["route"].update(note=result.reason(), panels=panels)
            entry.update(
                panel_id=best.offer.panel_id,
                panel=best.offer.panel,
                service_id=best.offer.service_id,
                cost=best.cost,
            )
            routed.append(entry)
    if not routed:
        return refused, []
    chosen = Service.objects.select_related("panel").in_bulk({e["service_id"] for e in routed})
    for entry in routed:
        entry["service"] = chosen[entry["service_id"]].remote_id  # as the panel names it
    return refused, list(chosen.values())
