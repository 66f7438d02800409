"""Delivery records (orders/delivery.py): every panel side by side on their own page (also
loaded into the panel list), and one service beside its panel (loaded into the service page)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.htmx import HtmxHttpRequest
from orders.delivery import DELIVERY_DAYS, DeliveryRecord, delivery_records
from panels.models import Panel, Service

TEMPLATE = "orders/delivery.html"


@require_GET
@vary_on_headers("HX-Request")  # the table alone for the panel list, else the whole page
def delivery_panels(request: HtmxHttpRequest) -> HttpResponse:
    panels = list(Panel.objects.order_by("name").values_list("pk", "name"))
    found = delivery_records(by="panel", ids=[pk for pk, _ in panels], now=timezone.now())
    rows = [(name, found.get(pk, DeliveryRecord())) for pk, name in panels]
    context = {"rows": rows, "days": DELIVERY_DAYS}
    template = f"{TEMPLATE}#delivery-table" if request.htmx else TEMPLATE
    return render(request, template, context)


@require_GET
def delivery_service(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The service's record and its panel's, for the service page."""
    service = get_object_or_404(Service.objects.select_related("panel"), pk=pk)
    now = timezone.now()
    mine = delivery_records(by="service", ids=[pk], now=now).get(pk, DeliveryRecord())
    panel = delivery_records(by="panel", ids=[service.panel_id], now=now)
    rows = [
        ("This service", mine),
        (f"All of {service.panel.name}", panel.get(service.panel_id, DeliveryRecord())),
    ]
    return render(request, f"{TEMPLATE}#delivery-table", {"rows": rows, "days": DELIVERY_DAYS})
