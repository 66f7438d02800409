"""The panels' offers for routing (orders/routing.py), read from the database: every listed or
delisted service with the same match key, a person's verdict on it, its panel's state, and
today's rate of each currency. Three queries, however many panels (and offers, read together
by `routing_offers_by_key`): the base currency (unless given), the services with their panels
and verdicts, the rates; and where routing is limited by the panels' delivery records
(ROUTING_MIN_COMPLETED_PERCENT), the record, kept for ten minutes
(orders.delivery.panel_completion)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from currency.conversion import Converter, base_currency
from orders.delivery import panel_completion
from orders.routing import CERTAIN, CONFIRMED, UNSURE, Offer
from panels.models import MatchVerdict, Panel, Service

# A person's word over the matcher's: a split service is never routed as the offer.
MATCH: dict[str, str] = {
    MatchVerdict.Verdict.CONFIRMED.value: CONFIRMED,
    MatchVerdict.Verdict.SPLIT.value: UNSURE,
}


def routing_offers(*, match_key: str, today: date, base: str = "") -> tuple[str, list[Offer]]:
    """(the base currency, one Offer per service of the offer `match_key`). An empty key is
    no offer: a service the matcher could not read is never routed."""
    base, offers = routing_offers_by_key(match_keys=[match_key], today=today, base=base)
    return base, offers.get(match_key, [])


def routing_offers_by_key(
    *, match_keys: Iterable[str], today: date, base: str = ""
) -> tuple[str, dict[str, list[Offer]]]:
    """(the base currency, {match key: its offers}) for several offers at once, in the same
    three queries as one (an upload routing rows of many offers). Empty keys are left out."""
    keys = sorted({key for key in match_keys if key})
    base = (base or base_currency()).upper()
    if not keys:
        return base, {}
    # A person's verdict on each service's reading, in the same query.
    verdict = MatchVerdict.objects.filter(service=OuterRef("pk"), key=OuterRef("match_key"))
    services = list(
        Service.objects.filter(match_key__in=keys)
        .annotate(person_verdict=Subquery(verdict.values("verdict")[:1]))
        .select_related("panel")
        .order_by("pk")
    )
    rates = Converter(base=base).preload(
        {(service.panel.currency.upper(), today) for service in services}
    )
    floor = settings.ROUTING_MIN_COMPLETED_PERCENT / 100
    completion = panel_completion(now=timezone.now()) if floor > 0 and services else {}
    offers: dict[str, list[Offer]] = {key: [] for key in keys}
    for service in services:
        panel = service.panel
        currency = panel.currency.upper()
        offers[service.match_key].append(
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
                match=MATCH.get(getattr(service, "person_verdict", None) or "", CERTAIN),
                panel_active=panel.is_active,
                service_active=service.is_active,
                failing=panel.health == Panel.Health.FAILING,
                balance=panel.balance,
                completed_share=_completed_share(completion.get(panel.pk)),
                completed_floor=floor,
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


def _completed_share(record: tuple[int, int] | None) -> float | None:
    """The share of a panel's ended orders that completed; None with too few to judge."""
    if record is None:
        return None
    completed, ended = record
    return completed / ended if ended >= settings.ROUTING_MIN_DELIVERY_ORDERS else None
