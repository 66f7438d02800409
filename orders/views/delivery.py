"""Delivery records (orders/delivery.py): every panel side by side on their own page (also
loaded into the panel list), and one service beside its panel (loaded into the service page)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.htmx import HtmxHttpRequest
from core.money import money
from orders.delivery import DELIVERY_DAYS, DeliveryRecord, delivery_records
from panels.models import Panel, Service
from panels.presenters import per_unit
from panels.selectors.catalog import split_from_its_offer

TEMPLATE = "orders/delivery.html"


@require_GET
@vary_on_headers("HX-Request")  # the table alone for the panel list, else the whole page
def delivery_panels(request: HtmxHttpRequest) -> HttpResponse:
    panels = list(Panel.objects.order_by("name").values_list("pk", "name"))
    found = delivery_records(by="panel", ids=[pk for pk, _ in panels], now=timezone.now())
    rows = [(name, found.get(pk, DeliveryRecord()), "") for pk, name in panels]
    context = {"rows": rows, "days": DELIVERY_DAYS}
    template = f"{TEMPLATE}#delivery-table" if request.htmx else TEMPLATE
    return render(request, template, context)


def _price(service: Service) -> str:
    return f"{money(service.rate, service.panel.currency)} {per_unit(service.type)}"


@require_GET
def delivery_service(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """The service's record and its panel's, for the service page, and the record of the same
    offer on every other panel beside its price: "cheapest" next to "delivers"."""
    service = get_object_or_404(Service.objects.select_related("panel"), pk=pk)
    now = timezone.now()
    others = list(  # as the comparison reads the offer: listed, on a panel switched on, not split
        Service.objects.filter(match_key=service.match_key, is_active=True, panel__is_active=True)
        .exclude(pk=pk)
        .exclude(match_key="")
        .exclude(split_from_its_offer())
        .select_related("panel")
        .order_by("panel__name", "pk")
    )
    ids = [pk, *(other.pk for other in others)]
    records = delivery_records(by="service", ids=ids, now=now)
    panel = delivery_records(by="panel", ids=[service.panel_id], now=now)
    rows = [
        ("This service", records.get(pk, DeliveryRecord()), _price(service)),
        (f"All of {service.panel.name}", panel.get(service.panel_id, DeliveryRecord()), ""),
        *(
            (f"{o.panel.name}: {o.name}", records.get(o.pk, DeliveryRecord()), _price(o))
            for o in others
        ),
    ]
    context = {"rows": rows, "days": DELIVERY_DAYS, "priced": True}
    return render(request, f"{TEMPLATE}#delivery-table", context)
