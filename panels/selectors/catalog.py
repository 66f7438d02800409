"""Reads for the catalog: search and filters, a service's price history, cross-panel offers,
and the feed of catalog changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, Window
from django.db.models.expressions import CombinedExpression, OrderBy
from django.db.models.functions import Concat, RowNumber
from django.utils import timezone

from core.filtering import where_chosen
from panels.api.order_types import ORDER_TYPES
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
    order = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    return services.order_by(*(_unindexed(order) if filters.q.split() else order))


def _unindexed(order: tuple[str, ...]) -> list[str | OrderBy]:
    """The same order, its first column written as an expression no index is on (name || '',
    rate + 0), so that a search is read from its trigram index and sorted, never by walking a
    sort's index in the hope of meeting 50 matches early: the services a search finds sit
    together in name order ("TikTok ..."), and the walk would read half the catalog first."""
    first, *rest = order
    name = first.removeprefix("-")
    if name == "name":
        column: Concat | CombinedExpression = Concat(F(name), Value(""), output_field=CharField())
    elif name in ("rate", "min_quantity", "max_quantity"):
        column = F(name) + 0
    else:
        return list(order)
    return [column.desc() if first.startswith("-") else column.asc(), *rest]


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
        types=_types_listed(active),
    )


def _types_listed(services: QuerySet[Service]) -> list[str]:
    """The order types among `services`, in key order. One query that asks, for each type there
    is, whether one service has it: an index lookup each (service_type_active), where DISTINCT
    would read every listed service."""
    keys = sorted(ORDER_TYPES)
    names = [f"has_{n}" for n in range(len(keys))]
    # Any one row carries the answers (the subqueries do not depend on it); no panel, no types.
    row = (
        Panel.objects.annotate(
            **{
                name: Exists(services.filter(type=key))
                for name, key in zip(names, keys, strict=True)
            }
        )
        .values(*names)
        .first()
    )
    if row is None:
        return []
    return [key for name, key in zip(names, keys, strict=True) if row[name]]


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


OFFERS_PER_PANEL = 3  # a panel's cheapest offers compared; the rest are counted, not listed


@dataclass(frozen=True)
class Comparison:
    groups: list[CurrencyGroup]  # as `compare_by_currency` lays them out
    left_out: int  # dearer offers of the same panels not listed (OFFERS_PER_PANEL each)


def service_comparison(*, service: Service, per_panel: int = OFFERS_PER_PANEL) -> Comparison:
    """The same offer on the other active panels, one group per currency (the service's own
    first, compared with it; the others cheapest first within their currency), each panel's
    `per_panel` cheapest offers: over a large catalog an offer such as Instagram followers has
    hundreds of services, which no one reads down to and which would take the page seconds
    to draw. One query (none for a service that is matched with nothing)."""
    if not service.match_key or service_split(service):
        # Unrecognised services match nothing: no suggestion beats a wrong one. Nor does a
        # service a person split from the offer it was read as.
        return Comparison(compare_by_currency(service_facts(service), []), 0)
    cheapest_first = [F("rate").asc(), F("max_quantity").desc(), F("pk").asc()]
    candidates = list(
        Service.objects.filter(is_active=True, panel__is_active=True, match_key=service.match_key)
        .exclude(panel_id=service.panel_id)
        .exclude(split_from_its_offer())
        .select_related("panel")
        .defer("raw", "description")
        .annotate(
            panel_rank=Window(RowNumber(), partition_by=[F("panel_id")], order_by=cheapest_first),
            panel_offers=Window(Count("pk"), partition_by=[F("panel_id")]),
        )
        .filter(panel_rank__lte=per_panel)
    )
    offers_of = {s.panel_id: s.panel_offers for s in candidates}
    left_out = sum(max(0, count - per_panel) for count in offers_of.values())
    groups = compare_by_currency(service_facts(service), (service_facts(s) for s in candidates))
    return Comparison(groups, left_out)


def service_offers(*, service: Service) -> list[CurrencyGroup]:
    """`service_comparison`'s groups."""
    return service_comparison(service=service).groups


def catalog_changes(*, days: int = 7, limit: int = 50, kind: str = "") -> list[CatalogEvent]:
    """Recent catalog events of active panels: price rises first, then newest first.

    Two queries, each reading an index newest first and stopping at `limit` (catalogevent_kind,
    catalogevent_created): ranking the rises first in one ORDER BY would sort every event of
    the period, hundreds of thousands over a large catalog's month."""
    events = CatalogEvent.objects.filter(
        created_at__gte=timezone.now() - timedelta(days=days), panel__is_active=True
    )
    if kind:
        events = events.filter(kind=kind)
    rise = Q(kind=CatalogEvent.Kind.RATE_CHANGED, rate_change__gt=0)
    newest = ("-created_at", "-rate_change", "-pk")

    def shown(found: QuerySet[CatalogEvent], count: int) -> list[CatalogEvent]:
        # The service's name and id are all a change line shows of it.
        columns = ("service__raw", "service__description")
        return list(
            found.select_related("service", "panel").defer(*columns).order_by(*newest)[:count]
        )

    rises = (
        shown(events.filter(rise), limit) if kind in ("", CatalogEvent.Kind.RATE_CHANGED) else []
    )
    if len(rises) == limit:
        return rises
    return rises + shown(events.exclude(rise), limit - len(rises))
