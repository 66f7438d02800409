"""Catalog pages: the browser, one service (history and comparison), the changes feed.

Thin function views: reads come from `panels.selectors.catalog`; what is here turns GET
parameters into filters (anything unexpected is ignored) and money into the panel's digits.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.http import push_url

from core import querystring
from core.htmx import HtmxHttpRequest
from panels.api.order_types import ORDER_TYPES
from panels.models import CatalogEvent, Service
from panels.presenters import change_lines, offer_groups, rate_chart, service_row
from panels.selectors.catalog import (
    DEFAULT_SORT,
    SORTS,
    CatalogFacets,
    CatalogFilters,
    catalog_changes,
    catalog_facets,
    service_history,
    service_offers,
    service_search,
    service_signature,
)

PER_PAGE = 50
MAX_QUERY_LENGTH = 200
LIST_URL = "catalog:browse"
FLAGS = ("refill", "cancel", "dripfeed")
FLAG_LABELS = {"refill": "Refill", "cancel": "Cancel", "dripfeed": "Drip-feed"}
YES_NO = {"yes": True, "no": False}
# Sortable columns of the browser: (column, ascending sort, descending sort).
SORT_COLUMNS = (("name", "name", None), ("panel", "panel", None), ("rate", "rate", "-rate"),
                ("min", "min", "-min"), ("max", "max", "-max"))  # fmt: skip
SORT_LABELS = {"name": "Name", "panel": "Panel", "rate": "Rate: low to high",
               "-rate": "Rate: high to low", "min": "Min: low to high",
               "-min": "Min: high to low", "max": "Max: low to high",
               "-max": "Max: high to low"}  # fmt: skip
CHANGE_DAYS = (7, 30)
CHANGES_SHOWN = 200


def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "no")


# ---- Parsing the browser's GET parameters ------------------------------------------------


def parse_filters(params: QueryDict) -> tuple[CatalogFilters, CatalogFacets]:
    """The filters the parameters ask for, keeping only values that exist; and the facets
    (the choices the filter form offers), which the checks need anyway."""
    panel_id = querystring.positive_int(params.get("panel", ""))
    facets = catalog_facets(panel_id=panel_id)
    if panel_id is not None and panel_id not in {pk for pk, _ in facets.panels}:
        panel_id = None
        facets = catalog_facets()
    category = params.get("category", "")
    type_ = params.get("type", "")
    sort = params.get("sort", "")
    flags = {flag: YES_NO.get(params.get(flag, "")) for flag in FLAGS}
    filters = CatalogFilters(
        q=querystring.clean_text(params, "q", MAX_QUERY_LENGTH),
        panel_id=panel_id,
        category=category if category in facets.categories else "",
        type=type_ if type_ in facets.types else "",
        sort=sort if sort in SORTS else DEFAULT_SORT,
        **flags,
    )
    return filters, facets


def filter_params(filters: CatalogFilters) -> QueryDict:
    """The filters as a query string, without defaults: the canonical URL of a result page."""
    params = QueryDict(mutable=True)
    values: dict[str, object] = {
        "q": filters.q,
        "panel": filters.panel_id,
        "category": filters.category,
        "type": filters.type,
        **{flag: _yes_no(getattr(filters, flag)) for flag in FLAGS},
        "sort": "" if filters.sort == DEFAULT_SORT else filters.sort,
    }
    for name, value in values.items():
        if value not in ("", None):
            params[name] = str(value)
    return params


# ---- What the templates show --------------------------------------------------------------


@dataclass(frozen=True)
class SortColumn:
    key: str
    href: str
    state: str  # "ascending", "descending" or "" (aria-sort)


def sort_columns(params: QueryDict, current: str) -> dict[str, SortColumn]:
    """Header links: a click sorts by the column, a second click reverses it (where it can)."""
    columns = {}
    for key, ascending, descending in SORT_COLUMNS:
        state = ""
        target = ascending
        if current == ascending:
            state, target = "ascending", descending or ascending
        elif current == descending:
            state = "descending"
        query = params.copy()
        query.pop("page", None)
        if target == DEFAULT_SORT:
            query.pop("sort", None)
        else:
            query["sort"] = target
        columns[key] = SortColumn(key, querystring.href(LIST_URL, query), state)
    return columns


# ---- Views --------------------------------------------------------------------------------


@require_GET
def browse(request: HtmxHttpRequest) -> HttpResponse:
    filters, facets = parse_filters(request.GET)
    params = filter_params(filters)
    paginator = Paginator(service_search(filters=filters), PER_PAGE)
    page = paginator.page(querystring.page_number(request.GET.get("page", ""), paginator.num_pages))
    canonical = params.copy()
    if page.number > 1:
        canonical["page"] = str(page.number)
    context = {
        "filters": filters,
        "facets": facets,
        "type_choices": [(k, ORDER_TYPES[k].label) for k in facets.types if k in ORDER_TYPES],
        "sort_choices": [(key, SORT_LABELS.get(key, key)) for key in SORTS],
        "flag_choices": [(f, FLAG_LABELS[f], _yes_no(getattr(filters, f))) for f in FLAGS],
        "page": page,
        "rows": [service_row(service) for service in page.object_list],
        "columns": sort_columns(params, filters.sort),
        "pages": querystring.page_links(params, page, LIST_URL),
        "is_filtered": any(name != "sort" for name in params),
    }
    if querystring.partial_wanted(request.htmx):
        # Out-of-band, and never the control in use: the category list follows a change of
        # panel, the sort select follows a click on a column header (a boosted link).
        shown = QueryDict(urlsplit(request.htmx.current_url or "").query)
        context["oob_category"] = shown.get("panel", "") != params.get("panel", "")
        context["oob_sort"] = request.htmx.boosted
        response = render(request, "panels/catalog.html#results", context)
        push_url(response, querystring.href(LIST_URL, canonical))
    else:
        response = render(request, "panels/catalog.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def service(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Service.objects.select_related("panel"), pk=pk)
    own, *others = offer_groups(service_offers(service=obj))
    history = service_history(service=obj)
    every_offer = [row.offer for group in (own, *others) for row in group.rows]
    context = {
        "service": obj,
        "row": service_row(obj),
        "signature": service_signature(service=obj),
        "offers": own.rows,  # in this service's currency, compared with it
        "cheapest": own.rows[0] if own.rows else None,
        # The cheapest of its currency: ties count, and so does this service.
        "this_is_cheapest": all(obj.rate <= row.offer.facts.rate for row in own.rows),
        "cheaper_count": sum(1 for row in own.rows if row.offer.cheaper),
        "other_currencies": others,
        "offer_count": len(every_offer),
        "other_panels": len({offer.facts.panel_id for offer in every_offer}),
        "history": list(reversed(change_lines(history))),
        "chart": rate_chart(obj, history),
    }
    return render(request, "panels/service.html", context)


@require_GET
def changes(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in CatalogEvent.Kind.values:
        kind = ""
    days = querystring.positive_int(request.GET.get("days", ""))
    if days not in CHANGE_DAYS:
        days = CHANGE_DAYS[0]
    events = catalog_changes(days=days, limit=CHANGES_SHOWN, kind=kind)

    def link(**overrides: object) -> str:
        query = QueryDict(mutable=True)
        for name, value in {"kind": kind, "days": days, **overrides}.items():
            if value and not (name == "days" and value == CHANGE_DAYS[0]):
                query[name] = str(value)
        encoded = query.urlencode()
        base = reverse("catalog:changes")
        return f"{base}?{encoded}" if encoded else base

    lines = change_lines(events)
    rises = [line for line in lines if line.is_rise]
    others = [line for line in lines if not line.is_rise]
    others_title = "Price drops" if kind == CatalogEvent.Kind.RATE_CHANGED else "Other changes"
    context = {
        "lines": lines,
        "groups": [
            (t, group) for t, group in (("Price rises", rises), (others_title, others)) if group
        ],
        "kind": kind,
        "days": days,
        "limit": CHANGES_SHOWN,
        "kind_links": [("", "All changes", link(kind=""))]
        + [(value, label, link(kind=value)) for value, label in CatalogEvent.Kind.choices],
        "day_links": [(d, f"Last {d} days", link(days=d)) for d in CHANGE_DAYS],
    }
    return render(request, "panels/changes.html", context)
