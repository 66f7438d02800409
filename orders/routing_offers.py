"""The panels' offers for routing (orders/routing.py), read from the database: every listed or
delisted service with the same match key, its panel's state, and today's rate of each
currency. Three queries, however many panels: the base currency (unless given), the
services with their panels, the rates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from currency.conversion import Converter, base_currency
from orders.routing import CERTAIN, Offer
from panels.models import Panel, Service


def routing_offers(*, match_key: str, today: date, base: str = "") -> tuple[str, list[Offer]]:
    """(the base currency, one Offer per service of the offer `match_key`). An empty key is
    no offer: a service the matcher could not read is never routed."""
    if not match_key:
        return base or base_currency(), []
    base = (base or base_currency()).upper()
    services = list(
        Service.objects.filter(match_key=match_key).select_related("panel").order_by("pk")
    )
    rates = Converter(base=base).preload(
        {(service.panel.currency.upper(), today) for service in services}
    )
    offers = []
    for service in services:
        panel = service.panel
        currency = panel.currency.upper()
        offers.append(
            Offer(
                panel_id=panel.pk,
                panel=panel.name,
                service_id=service.pk,
                order_type=service.type,
                rate=service.rate,
                currency=currency,
                to_base=_to_base(rates, currency, base, today),
                min_quantity=service.min_quantity,
                max_quantity=service.max_quantity,
                refill=service.refill,
                dripfeed=service.dripfeed,
                match=CERTAIN,  # the matcher's key; a person's verdict comes with confirm/split
                panel_active=panel.is_active,
                service_active=service.is_active,
                failing=panel.health == Panel.Health.FAILING,
                balance=panel.balance,
            )
        )
    return base, offers


def _to_base(rates: Converter, currency: str, base: str, today: date) -> Decimal | None:
    """Base units per unit of `currency` today. A panel whose currency is not known yet (its
    balance never read) has none: it is never priced as if it billed in the base currency."""
    if currency == base:
        return Decimal(1)
    found = rates.rate(currency, today) if currency else None
    return found[0] if found else None
