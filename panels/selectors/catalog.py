"""Reads for the catalog: search and filters, a service's price history, cross-panel offers,
and the feed of catalog changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from core.filtering import where_chosen
from panels.matching import CurrencyGroup, ServiceFacts, compare_by_currency, describe
from panels.matching.describe import Signature
from panels.models import CatalogEvent, MatchVerdict, Panel, Service

SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "rate": ("rate", "name", "pk"),
    "-rate": ("-rate", "name", "pk"),
    "min": ("min_quantity", "rate", "pk"),
    "-min": ("-min_quantity", "rate", "pk"),
    "max": ("max_quantity", "rate", "pk"),
    "-max": ("-max_quantity", "rate", "pk"),
    "panel": ("panel__name", "category", "name", "pk"),
}
DEFAULT_SORT = "name"


@dataclass(frozen=True)
class CatalogFilters:
    q: str = ""
    panel_id: int | None = None
    category: str = ""
    type: str = ""
    refill: bool | None = None
    cancel: bool | None = None
    dripfeed: bool | None = None
    sort: str = DEFAULT_SORT


def service_search(*, filters: CatalogFilters) -> QuerySet[Service]:
    """Active services of active panels matching every word of the query (in the name, the
    category, or as the panel's service id) and every filter."""
    services = Service.objects.filter(is_active=True, panel__is_active=True).select_related("panel")
    for word in filters.q.split()[:8]:
        services = services.filter(
            Q(name__icontains=word) | Q(category__icontains=word) | Q(remote_id=word)
        )
    flags = {flag: getattr(filters, flag) for flag in ("refill", "cancel", "dripfeed")}
    services = where_chosen(
        services, panel_id=filters.panel_id, category=filters.category, type=filters.type, **flags
    )
    return services.order_by(*SORTS.get(filters.sort, SORTS[DEFAULT_SORT]))


@dataclass(frozen=True)
class CatalogFacets:
    panels: list[tuple[int, str]]
    categories: list[str]
    types: list[str]


def catalog_facets(*, panel_id: int | None = None) -> CatalogFacets:
    """What the filters can offer: panels, categories (of that panel, if chosen) and types."""
    active = Service.objects.filter(is_active=True, panel__is_active=True)
    if panel_id is not None:
        active = active.filter(panel_id=panel_id)
    return CatalogFacets(
        panels=list(Panel.objects.filter(is_active=True).values_list("pk", "name")),
        categories=list(active.order_by("category").values_list("category", flat=True).distinct()),
        types=list(active.order_by("type").values_list("type", flat=True).distinct()),
    )


def service_history(*, service: Service) -> list[CatalogEvent]:
    """The service's catalog events, oldest first: its price and availability over time."""
    return list(service.events.order_by("created_at", "pk"))


def service_facts(service: Service) -> ServiceFacts:
    return ServiceFacts(
        id=service.pk,
        panel_id=service.panel_id,
        panel_name=service.panel.name,
        name=service.name,
        category=service.category,
        type=service.type,
        rate=service.rate,
        min=service.min_quantity,
        max=service.max_quantity,
        refill=service.refill,
        cancel=service.cancel,
        dripfeed=service.dripfeed,
        refill_days=service.refill_days,
        currency=service.panel.currency,
    )


def service_signature(*, service: Service) -> Signature:
    """How the matcher reads this service (platform, kind...), to explain the comparison."""
    return describe(service_facts(service))


def split_from_its_offer() -> Exists:
    """Services a person split from the offer their current key names (MatchVerdict)."""
    return Exists(
        MatchVerdict.objects.filter(
            service=OuterRef("pk"), key=OuterRef("match_key"), verdict=MatchVerdict.Verdict.SPLIT
        )
    )


def service_verdict(service: Service) -> str:
    """The person's verdict on how the service is read now ("" for none, or a stale one).
    No query when the service was read with select_related("verdict")."""
    try:
        found = service.verdict
    except MatchVerdict.DoesNotExist:
        return ""
    return found.verdict if service.match_key and found.key == service.match_key else ""


def service_split(service: Service) -> bool:
    return service_verdict(service) == MatchVerdict.Verdict.SPLIT


def service_offers(*, service: Service) -> list[CurrencyGroup]:
    """The same offer on the other active panels, one group per currency (the service's own
    first, compared with it; the others cheapest first within their currency). Two queries
    at most."""
    if not service.match_key or service_split(service):
        # Unrecognised services match nothing: no suggestion beats a wrong one. Nor does a
        # service a person split from the offer it was read as.
        return compare_by_currency(service_facts(service), [])
    candidates = (
        Service.objects.filter(is_active=True, panel__is_active=True, match_key=service.match_key)
        .exclude(panel_id=service.panel_id)
        .exclude(split_from_its_offer())
        .select_related("panel")
    )
    return compare_by_currency(service_facts(service), (service_facts(s) for s in candidates))


def catalog_changes(*, days: int = 7, limit: int = 50, kind: str = "") -> list[CatalogEvent]:
    """Recent catalog events of active panels: price rises first, then newest first."""
    events = CatalogEvent.objects.filter(
        created_at__gte=timezone.now() - timedelta(days=days), panel__is_active=True
    )
    if kind:
        events = events.filter(kind=kind)
    rises_first = Case(
        When(kind=CatalogEvent.Kind.RATE_CHANGED, rate_change__gt=0, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return list(
        events.select_related("service", "panel").order_by(
            rises_first, "-created_at", "-rate_change", "-pk"
        )[:limit]
    )
