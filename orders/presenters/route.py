"""The order form's "Panel" choice for an offer sold by several panels: the panel picked, or
the best panel routing finds (orders/routing.py), with its one-line reason as the user types."""

from __future__ import annotations

from dataclasses import dataclass

from orders.forms import OrderForm
from orders.routing import Policy
from orders.services.failover import order_route

BEST = "best"  # the form's value for "best panel"


@dataclass(frozen=True)
class RouteBox:
    panels: int  # panels that sell the offer, the picked one included
    best: bool  # the user chose "best panel"
    reason: str  # "Panel C: 0.39 USD, cheapest of 3; Panel A skipped: balance 0.12 USD"


def route_box(form: OrderForm, *, picked: str = "") -> RouteBox | None:
    """None where the offer is sold by this panel alone (or the matcher cannot read it). Three
    queries: the base currency, the offer's services, the rates."""
    if not form.service.match_key:
        return None
    result = order_route(
        match_key=form.service.match_key,
        values=form.values(),
        policy=Policy(),
        order_type=form.service.type,
    )
    panels = len({choice.offer.panel_id for choice in result.choices})
    if panels < 2:
        return None
    return RouteBox(panels=panels, best=picked == BEST, reason=result.reason())
