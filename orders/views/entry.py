"""The new-order page: pick a service, fill in its type's fields, watch the estimate, place it.

Thin: the form (`orders.forms.OrderForm`) shapes the values and delegates every rule to
`validate_order`; placing, once per form, is `order_create_once`; reads come from the
selectors. HTMX swaps the picker's results, the form of another service, and the estimate as
the user types; without JS every piece is a plain GET or POST.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from core.htmx import HtmxHttpRequest
from orders.fields import initial_from_order
from orders.forms import OrderForm
from orders.models import Order
from orders.presenters.route import BEST, route_box
from orders.presenters.sale import sale_box
from orders.presenters.warnings import order_warnings
from orders.selectors import order_id_for_client_ref
from orders.services.form_orders import order_create_once
from panels.models import Service
from panels.presenters import ServiceRow, service_row
from panels.selectors.catalog import CatalogFilters, service_search

TEMPLATE = "orders/new.html"
PICKER_LIMIT = 20
MAX_QUERY_LENGTH = 200
NOT_OFFERED = "This service is no longer offered (or its panel is disabled): pick another one."


def _pk(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None


def _service(value: str | None) -> Service | None:
    pk = _pk(value)
    if pk is None:
        return None
    return Service.objects.select_related("panel").filter(pk=pk).first()


def _orderable(service: Service | None) -> bool:
    return service is not None and service.is_active and service.panel.is_active


def _query(request: HtmxHttpRequest) -> str:
    return " ".join(request.GET.get("q", "").replace("\x00", "").split())[:MAX_QUERY_LENGTH]


def _picker_rows(q: str) -> list[ServiceRow] | None:
    if not q:
        return None
    services = service_search(filters=CatalogFilters(q=q))[:PICKER_LIMIT]
    return [service_row(service) for service in services]


def _client_ref(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID((value or "").strip())
    except ValueError:
        return None


def _form_context(
    form: OrderForm, *, client_ref: uuid.UUID | None = None, live: bool = False, route: str = ""
) -> dict[str, Any]:
    estimate = form.estimate()
    return {
        "route": route_box(form, picked=route),
        "form": form,
        "service": form.service,
        "row": service_row(form.service),
        "sections": form.sections(live=live),
        "extra_row": form.extra_row(),
        "estimate": estimate,
        "sale": sale_box(form, day=timezone.localdate(), cost=estimate.cost),
        "warnings": order_warnings(form),
        "problems": _problems(form) if live else [],
        "client_ref": client_ref or uuid.uuid4(),
        "extra_open": bool(form.raw("extra").strip()) or form.spec.key == "other",
    }


def _problems(form: OrderForm) -> list[str]:
    """Still missing before the order can be placed (live: the fields nobody filled in yet)."""
    _, errors = form.check()
    missing = [
        form.fields[n].label
        for n, m in errors.items()
        if n in form.fields and not form.raw(n).strip()
    ]
    return [f"Still needed: {', '.join(str(label) for label in missing)}."] if missing else []


# ---- Views ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")  # the picker's results and the whole page share one URL
def order_new(request: HtmxHttpRequest) -> HttpResponse:
    """GET: the page (`?service=<pk>` preselects, `?from=<order pk>` starts from an earlier
    order's values, `?q=` searches without JS). POST: place the order."""
    if request.method == "POST":
        return _place(request)
    q = _query(request)
    context: dict[str, Any] = {"q": q, "results": _picker_rows(q), "notice": ""}
    source = None
    from_pk = _pk(request.GET.get("from"))
    if from_pk is not None:
        source = Order.objects.select_related("service__panel").filter(pk=from_pk).first()
    service = source.service if source is not None else _service(request.GET.get("service"))
    if service is not None and not _orderable(service):
        context |= {"notice": NOT_OFFERED, "unavailable": service}
    elif service is not None:
        initial = initial_from_order(source) if source is not None else {}
        context |= _form_context(OrderForm(service, initial=initial))
        context["source"] = source
    return render(request, TEMPLATE, context)


def _place(request: HtmxHttpRequest) -> HttpResponse:
    service = _service(request.POST.get("service"))
    if service is None:
        messages.error(request, "Pick a service first.")
        return redirect("orders:new")
    ref = _client_ref(request.POST.get("client_ref")) or uuid.uuid4()
    done = order_id_for_client_ref(client_ref=ref)
    if done is not None:
        # The same form sent twice (a double click, a reload): one order, not two.
        return _already_sent(request, done)
    form = OrderForm(service, data=request.POST)
    route = request.POST.get("route", "")
    if form.is_valid():
        try:
            sale = form.sale()
            placed = order_create_once(
                service=form.service,
                values=form.values(),
                placed_by=request.user,
                client_ref=ref,
                sale_price=sale.price,
                customer_ref=sale.customer,
                route_key=service.match_key if route == BEST else "",
            )
        except ValidationError as exc:
            form.add_order_errors(_messages_of(exc))
        else:
            if placed.order is None:
                return _already_sent(request, placed.order_id)
            _say_placed(request, placed.order)
            return redirect("orders:detail", pk=placed.order_id)
    context: dict[str, Any] = {"q": "", "results": None, "notice": ""}
    if not _orderable(service):
        context["notice"] = NOT_OFFERED
    context |= _form_context(form, client_ref=ref, route=route)
    return render(request, TEMPLATE, context)


def _already_sent(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    messages.info(request, f"This form was already sent: it is order #{pk}.")
    return redirect("orders:detail", pk=pk)


def _say_placed(request: HtmxHttpRequest, order: Order) -> None:
    """What became of it by now: usually queued; already sent where tasks run inline."""
    order.refresh_from_db(fields=["state", "remote_id"])
    panel = order.panel.name
    if order.state == Order.State.PLACED:
        messages.success(request, f"Order #{order.pk} is placed on {panel} as #{order.remote_id}.")
    elif order.state in (Order.State.QUEUED, Order.State.SUBMITTING):
        messages.success(
            request, f"Order #{order.pk} is queued: it is sent to {panel} within seconds."
        )
    else:
        messages.warning(
            request, f"Order #{order.pk} was sent to {panel}: see what happened below."
        )


def _messages_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            name: list(ValidationError(errors).messages) for name, errors in exc.error_dict.items()
        }
    return {"__all__": list(exc.messages)}


@require_GET
def service_picker(request: HtmxHttpRequest) -> HttpResponse:
    """The services matching `?q=` across every active panel, to pick one."""
    q = _query(request)
    return render(request, f"{TEMPLATE}#picker-results", {"q": q, "results": _picker_rows(q)})


@require_GET
def form_fields(request: HtmxHttpRequest) -> HttpResponse:
    """The form for `?service=<pk>`, keeping what was typed into fields the type shares."""
    service = _service(request.GET.get("service"))
    if service is None:
        return HttpResponseBadRequest("Pick a service.")
    if not _orderable(service):
        response = render(
            request, f"{TEMPLATE}#order-slot", {"notice": NOT_OFFERED, "unavailable": service}
        )
    else:
        kept = _kept_values(request.GET)
        form = OrderForm(service, initial={k: v for k, v in kept.items() if v})
        response = render(
            request, f"{TEMPLATE}#order-slot", {**_form_context(form), "clear_results": True}
        )
    push_url(response, f"{reverse('orders:new')}?service={service.pk}")
    return response


def _kept_values(params: QueryDict) -> dict[str, str]:
    # The sale price follows the new service's suggestion, not the old one's.
    skip = {
        "service",
        "client_ref",
        "csrfmiddlewaretoken",
        "q",
        "sale_price",
        "sale_suggested",
        "route",
    }
    return {k: params.get(k, "") for k in params if k not in skip}


@require_POST
def estimate(request: HtmxHttpRequest) -> HttpResponse:
    """While the user types: the estimate, the warnings, and (out of band) each field's hint:
    limits, line counts, what is wrong so far."""
    service = _service(request.POST.get("service"))
    if service is None:
        return HttpResponseBadRequest("Pick a service.")
    form = OrderForm(service, data=request.POST)
    context = {
        **_form_context(form, live=True, route=request.POST.get("route", "")),
        "oob": True,
        "hints": list(form.hints(live=True).values()),
    }
    return render(request, f"{TEMPLATE}#estimate", context)
