"""The order list: filters, search, sorting, counts per state and status, pages; its CSV export;
and "Refresh selected", which asks the panels about the chosen orders now.

Thin function views: reads come from `orders.selectors`. What is here turns GET parameters into
filters (anything unexpected is ignored, never an error) and orders into what a row shows.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from core import querystring
from core.htmx import HtmxHttpRequest
from orders.exports import csv_lines
from orders.listing import (
    MAX_SELECTED,
    RESULTS_ID,
    Notice,
    list_context,
    parse_filters,
)
from orders.models import Order
from orders.selectors import (
    CSV_COLUMNS,
    order_csv_rows,
)
from orders.services.status import StatusSyncResult, orders_refresh
from panels.api.errors import PanelError


@require_GET
@vary_on_headers("HX-Request")
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    context = list_context(request.GET)
    if querystring.partial_wanted(request.htmx):
        # Out-of-band, and never the control in use: the service list follows a change of
        # panel; the state, status, attention and sort fields follow a click on a chip, a
        # column header or a page link (boosted links inside the results).
        shown = QueryDict(urlsplit(request.htmx.current_url or "").query)
        params = context["params"]
        oob = []
        if any(shown.get(name, "") != params.get(name, "") for name in ("panel", "service")):
            oob.append("service_id")
        if request.htmx.boosted:
            oob += ["state", "status", "attention", "sort"]
        context["oob_fields"] = [context["form"][name] for name in oob]
        response = render(request, "orders/list.html#results", context)
        if request.htmx.trigger != RESULTS_ID:  # a poll is not a navigation
            push_url(response, context["here"])
    else:
        response = render(request, "orders/list.html", context)
    return response


@require_GET
def order_export(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """Every order of the current filter (not just the page) as CSV, in the list's order."""
    filters, _ = parse_filters(request.GET)
    header = [label for _, label in CSV_COLUMNS]
    response = StreamingHttpResponse(
        csv_lines(header, order_csv_rows(filters=filters)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="orders-{stamp}.csv"'
    patch_cache_control(response, private=True, no_store=True)
    return response


def _selected_ids(values: list[str]) -> list[int]:
    ids: list[int] = []
    for value in values:
        number = querystring.positive_int(value)
        if number is not None and number not in ids:
            ids.append(number)
    return ids[:MAX_SELECTED]


def refresh_notice(orders: list[Order]) -> Notice:
    """Ask the panels about the placed orders among `orders`, and say what happened."""
    if not orders:
        return Notice("warning", "Select the orders to refresh first: tick their boxes.")
    askable = [o for o in orders if o.state == Order.State.PLACED and o.remote_id]
    skipped = len(orders) - len(askable)
    if not askable:
        which = "The selected order is" if skipped == 1 else "None of the selected orders is"
        return Notice("warning", f"{which} placed on a panel, so there is nothing to ask.")
    skipped_text = (
        f"{skipped} of the selected orders {'is' if skipped == 1 else 'are'} not placed on a "
        "panel, so there is nothing to ask about "
        f"{'it' if skipped == 1 else 'them'}."
        if skipped
        else ""
    )
    results = orders_refresh(orders=askable)
    names = {o.panel_id: o.panel.name for o in askable}
    checked = changed = 0
    failures: list[str] = []
    for panel_id, result in results.items():
        if isinstance(result, StatusSyncResult):
            checked += result.checked
            changed += result.changed
        elif isinstance(result, PanelError):
            failures.append(f"{names.get(panel_id, 'A panel')} did not answer: {result.message}")
    details = tuple(part for part in (skipped_text, *failures) if part)
    if not checked:
        return Notice("error", "No panel answered; nothing was refreshed.", details)
    text = (
        f"Asked the panel{'s' if len(results) > 1 else ''} about {checked} "
        f"order{'s' if checked != 1 else ''}: {changed or 'none'} changed."
    )
    return Notice("warning" if failures else "success", text, details)


@require_POST
@vary_on_headers("HX-Request")
def orders_refresh_selected(request: HtmxHttpRequest) -> HttpResponse:
    """Sync the ticked orders with their panels now, then show the list as it was."""
    list_url = reverse("orders:list")
    back = request.POST.get("next", "")
    if not (
        url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and urlsplit(back).path == list_url
    ):
        back = list_url
    ids = _selected_ids(request.POST.getlist("ids"))
    orders = list(Order.objects.filter(pk__in=ids).select_related("panel"))
    notice = refresh_notice(orders)
    if querystring.partial_wanted(request.htmx):
        context = list_context(QueryDict(urlsplit(back).query))
        context["notice"] = notice
        return render(request, "orders/list.html#results", context)
    level = {"success": messages.SUCCESS, "warning": messages.WARNING}.get(
        notice.level, messages.ERROR
    )
    messages.add_message(request, level, " ".join((notice.text, *notice.details)))
    return HttpResponseRedirect(back)
