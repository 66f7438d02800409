"""Refill or cancel many orders at once: a preview of the selection, the confirmation (once per
token), the result page that follows the task, its CSV; the history of bulk actions and
uploads; the refills list; and the Refill button of one order (Cancel is on the order's page:
orders.views.detail).

A selection is either ticked ids (`ids=1&ids=2`) or every order matching the list's filter
(`all=1` plus the list's own parameters): never a list of ids for a whole filter.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseStopPolling

from core import querystring
from core.htmx import HtmxHttpRequest
from orders.bulk_selectors import (
    bulk_actions,
    bulk_items,
    bulk_outcome_counts,
    refill_panel_choices,
    refill_search,
    uploads_latest,
)
from orders.exports import csv_lines
from orders.listing import parse_filters
from orders.models import REFILL_STATUS_CHOICES, BulkAction, BulkItem, Order
from orders.presenters.tones import outcome_tone
from orders.selectors import order_search
from orders.services.auto_refill import order_set_auto_refill
from orders.services.bulk import bulk_create, bulk_preview, order_bulk_one
from orders.services.freshness import statuses_refresh

KINDS = dict(BulkAction.Kind.choices)
MAX_IDS = 1000  # ticked boxes: a page at most; a whole filter goes as `all=1`
PER_PAGE = 50


def _ids(values: list[str]) -> list[int]:
    ids = [n for n in (querystring.positive_int(v) for v in values[:MAX_IDS]) if n]
    return sorted(set(ids))


def selection(params: QueryDict) -> tuple[QuerySet[Order], str, str]:
    """The selected orders, the selection in words, and its query string (kept in the
    confirm form, so the action acts on what was previewed)."""
    if params.get("all") == "1":
        query = params.copy()
        for name in ("kind", "ids", "page", "after", "before", "at", "token", "selection"):
            query.pop(name, None)
        filters, _ = parse_filters(query)
        shown = query.copy()
        shown.pop("all", None)
        described = "Every order matching the filter"
        if shown:
            described += f" ({shown.urlencode()[:200]})"
        return order_search(filters=filters), described, query.urlencode()
    ids = _ids(params.getlist("ids"))
    query = QueryDict(mutable=True)
    query.setlist("ids", [str(n) for n in ids])
    return (
        Order.objects.filter(pk__in=ids),
        f"{len(ids)} ticked order{pluralize(len(ids))}",
        query.urlencode(),
    )


def _kind(value: str) -> str:
    if value not in KINDS:
        raise Http404("Unknown bulk action")
    return value


@require_GET
def bulk_preview_view(request: HtmxHttpRequest) -> HttpResponse:
    kind = _kind(request.GET.get("kind", ""))
    orders, described, query = selection(request.GET)
    freshness = statuses_refresh(orders=orders)  # judged on what the panels say now
    preview = bulk_preview(kind=kind, orders=orders)
    context = {
        "kind": kind,
        "kind_label": KINDS[kind],
        "preview": preview,
        "freshness": freshness,
        "reasons": preview.reasons(),
        "described": described,
        "query": query,
        "token": uuid.uuid4(),
        "left_out": preview.total - preview.eligible,
    }
    return render(request, "orders/bulk_preview.html", context)


@require_POST
def bulk_create_view(request: HtmxHttpRequest) -> HttpResponse:
    kind = _kind(request.POST.get("kind", ""))
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return HttpResponseBadRequest("The form has no valid token: open the preview again.")
    orders, described, _ = selection(QueryDict(request.POST.get("selection", "")))
    bulk = bulk_create(
        kind=kind, orders=orders, token=token, user=request.user, description=described[:300]
    )
    return redirect("orders:bulk_result", pk=bulk.pk)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 100


@require_GET
def bulk_result(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    bulk = get_object_or_404(BulkAction.objects.select_related("created_by"), pk=pk)
    outcome = request.GET.get("outcome", "")
    if outcome not in BulkItem.Outcome.values:
        outcome = ""
    items = bulk_items(bulk=bulk, outcome=outcome)
    page = Paginator(items, PER_PAGE).get_page(request.GET.get("page"))
    counts = bulk_outcome_counts(bulk=bulk)
    finished = bulk.is_finished
    context = {
        "bulk": bulk,
        "page": page,
        "outcome": outcome,
        "finished": finished,
        "percent": _percent(bulk.sent, bulk.eligible),
        "chips": [
            (value, label, counts[value], outcome_tone(value))
            for value, label in BulkItem.Outcome.choices
        ],
    }
    if request.htmx and not request.htmx.history_restore_request:
        html = render(request, "orders/bulk_result.html#live", context)
        if finished:
            return HttpResponseStopPolling(html.content)
        return html
    return render(request, "orders/bulk_result.html", context)


@require_GET
def bulk_export(request: HtmxHttpRequest, pk: int) -> StreamingHttpResponse:
    bulk = get_object_or_404(BulkAction, pk=pk)
    header = [
        "Order",
        "Panel",
        "Panel order ID",
        "Link",
        "Outcome",
        "Reason",
        "Message",
        "Refill ID",
    ]
    rows = (
        [
            i.order_id,
            i.order.panel.name,
            i.order.remote_id or "",
            i.order.link,
            i.get_outcome_display(),
            i.reason,
            i.message,
            i.refill.remote_id if i.refill else "",
        ]
        for i in bulk_items(bulk=bulk).iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(
        csv_lines(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="bulk-{bulk.pk}-{bulk.kind}.csv"'
    patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
def bulk_history(request: HtmxHttpRequest) -> HttpResponse:
    page = Paginator(bulk_actions(), PER_PAGE).get_page(request.GET.get("page"))
    uploads = uploads_latest(limit=PER_PAGE)
    return render(request, "orders/bulk_history.html", {"page": page, "uploads": uploads})


@require_GET
def refills(request: HtmxHttpRequest) -> HttpResponse:
    panel_id = querystring.positive_int(request.GET.get("panel", ""))
    status = request.GET.get("status", "")
    statuses = dict(REFILL_STATUS_CHOICES)
    if status not in statuses:
        status = ""
    rows = refill_search(panel_id=panel_id, status=status)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "page": page,
        "panels": refill_panel_choices(),
        "panel_id": panel_id,
        "statuses": list(statuses.items()),
        "status": status,
    }
    return render(request, "orders/refills.html", context)


def _one(request: HtmxHttpRequest, pk: int, kind: str) -> HttpResponse:
    order = get_object_or_404(Order, pk=pk)
    try:
        bulk = order_bulk_one(order=order, kind=kind, user=request.user)
    except ValidationError as exc:
        done = "refilled" if kind == BulkAction.Kind.REFILL else "canceled"
        messages.error(request, f"Order #{pk} cannot be {done}: {' '.join(exc.messages)}")
        return redirect("orders:detail", pk=pk)
    return redirect("orders:bulk_result", pk=bulk.pk)


@require_POST
def order_refill(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    return _one(request, pk, BulkAction.Kind.REFILL)


@require_POST
def order_auto_refill(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Set (`every` days) or stop (`stop`, or `every` empty) the order's auto-refill."""
    order = get_object_or_404(Order.objects.select_related("service"), pk=pk)
    raw = "" if request.POST.get("stop") else request.POST.get("every", "").strip()
    every = querystring.positive_int(raw)
    if raw and every is None:
        messages.error(request, "Auto-refill: enter a whole number of days, or leave it empty.")
        return redirect(f"{reverse('orders:detail', args=[pk])}#refills-title")
    try:
        order_set_auto_refill(order=order, every_days=every)
    except ValidationError as exc:
        messages.error(request, f"Auto-refill not set: {' '.join(exc.messages)}")
    else:
        if every is None:
            messages.success(request, f"Order #{pk}: auto-refill stopped.")
        else:
            messages.success(
                request, f"Order #{pk}: a refill is asked every {every} day{pluralize(every)}."
            )
    return redirect(f"{reverse('orders:detail', args=[pk])}#refills-title")
