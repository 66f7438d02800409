"""Catalog pages: the browser, one service (history and comparison), the changes feed.

Thin function views: reads come from `panels.selectors.catalog`; the browser's GET parameters
are read by its form (`panels.catalog_filters`: anything unexpected is ignored).
"""

from __future__ import annotations

from typing import cast
from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from core import querystring
from core.htmx import HtmxHttpRequest
from panels.catalog_filters import catalog_filter_form
from panels.models import CatalogEvent, Service
from panels.presenters import (
    change_lines,
    comparison_in_base,
    rate_chart,
    service_row,
    service_rows,
)
from panels.selectors.catalog import (
    DEFAULT_SORT,
    OFFERS_PER_PANEL,
    catalog_changes,
    service_comparison,
    service_history,
    service_search,
    service_signature,
    service_verdict,
)
from panels.services.verdicts import match_verdict_set

PER_PAGE = 50
VERDICT_SAID = {
    "confirmed": "Confirmed: routing may send orders of this offer here.",
    "split": "Split: this service is no longer compared or routed as this offer.",
    "": "Back to the matcher's reading.",
}
LIST_URL = "catalog:browse"
# Sortable columns of the browser: (column, the sort a first click gives, the sort a second
# click gives: the same where a column sorts one way only).
SORT_COLUMNS = (("name", "name", "name"), ("panel", "panel", "panel"), ("rate", "rate", "-rate"),
                ("min", "min", "-min"), ("max", "max", "-max"))  # fmt: skip
CHANGE_DAYS = (7, 30)
CHANGES_SHOWN = 200


class EitherEndPaginator(Paginator):
    """Pages past the middle are read from the end, in the reverse order, and turned around: the
    last page of 100,000 services skips 50 rows of an index read backwards, not 99,950. The
    object list must be ordered, with a last tie-breaker that is unique (SORTS end with pk)."""

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        if bottom <= self.count - top:
            return super().page(number)
        ordered = cast(QuerySet[Service], self.object_list)
        backwards = list(ordered.reverse()[self.count - top : self.count - bottom])
        return Page(backwards[::-1], number, self)


@require_GET
@vary_on_headers("HX-Request")
def browse(request: HtmxHttpRequest) -> HttpResponse:
    form = catalog_filter_form(request.GET)
    filters = form.filters()
    params = form.query()
    # The rows show neither the description nor the panel's raw entry.
    paginator = EitherEndPaginator(
        service_search(filters=filters).defer("raw", "description"), PER_PAGE
    )
    page = querystring.get_page(paginator, request.GET.get("page", ""))
    canonical = params.copy()
    if page.number > 1:
        canonical["page"] = str(page.number)
    context = {
        "form": form,
        "page": page,
        "rows": service_rows(list(page.object_list), day=timezone.localdate()),
        "columns": querystring.sort_columns(
            params, filters.sort, columns=SORT_COLUMNS, default=DEFAULT_SORT, url_name=LIST_URL
        ),
        "pages": querystring.page_links(params, page, LIST_URL),
        "is_filtered": any(name != "sort" for name in params),
    }
    if querystring.partial_wanted(request.htmx):
        # Out-of-band, and never the control in use: the category list follows a change of
        # panel, the sort select follows a click on a column header (a boosted link).
        shown = QueryDict(urlsplit(request.htmx.current_url or "").query)
        oob = []
        if shown.get("panel", "") != params.get("panel", ""):
            oob.append("category")
        if request.htmx.boosted:
            oob.append("sort")
        context["oob_fields"] = [form[name] for name in oob]
        response = render(request, "panels/catalog.html#results", context)
        push_url(response, querystring.href(LIST_URL, canonical))
    else:
        response = render(request, "panels/catalog.html", context)
    return response


@require_GET
def service(request: HttpRequest, pk: int) -> HttpResponse:
    obj = get_object_or_404(Service.objects.select_related("panel", "verdict"), pk=pk)
    comparison = service_comparison(service=obj)
    groups, this_in_base, base = comparison_in_base(
        obj, comparison.groups, day=timezone.localdate()
    )
    own, *others = groups
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
        "this_in_base": this_in_base,  # its rate in the base currency (if it can be read so)
        "own_in_base": own.in_base,
        "base": base,
        "any_converted": any(group.compared_in_base for group in others),
        "offer_count": len(every_offer),
        "other_panels": len({offer.facts.panel_id for offer in every_offer}),
        "left_out": comparison.left_out,
        "per_panel": OFFERS_PER_PANEL,
        "history": list(reversed(change_lines(history))),
        "chart": rate_chart(obj, history),
        "verdict": service_verdict(obj),
    }
    return render(request, "panels/service.html", context)


@require_POST
def service_verdict_set(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or split how the matcher read the service (or clear that), one click."""
    obj = get_object_or_404(Service, pk=pk)
    verdict = request.POST.get("verdict", "")
    try:
        match_verdict_set(service=obj, verdict=verdict, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, VERDICT_SAID.get(verdict, "Saved."))
    return redirect(f"{reverse('catalog:service', args=[pk])}#comparison")


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
