"""The overview page: balances, health, spend and what needs a person. Thin: reads come from
`overview.selectors`, the charts' geometry from `overview.charts`."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.counting import count_cap
from core.htmx import HtmxHttpRequest
from orders.models import Order
from overview import selectors
from overview.charts import placed_statuses, spend_charts
from overview.in_base import overview_in_base
from panels.presenters import change_lines
from reports.selectors import profit_summary

TEMPLATE = "overview/overview.html"


def _rejected_link(now: datetime) -> dict[str, object]:
    """The order list of rejected orders from the day the last 24 hours began: the list
    filters whole days, so it shows those of the overview's count, and perhaps a few from
    earlier that day (the link says since when)."""
    since = timezone.localdate(now - timedelta(hours=24))
    query = urlencode({"state": Order.State.REJECTED, "from": since.isoformat()})
    return {"rejected_since": since, "rejected_url": f"{reverse('orders:list')}?{query}"}


@require_GET
def overview(request: HtmxHttpRequest) -> HttpResponse:
    if request.htmx:
        # The panel cards refresh themselves: only their partial, only their query.
        context = {"panels": selectors.panel_cards()}
        return render(request, f"{TEMPLATE}#panel-cards", context)
    now = timezone.now()
    data = selectors.overview_get(now=now)
    money = overview_in_base(data, today=timezone.localdate(now))
    statuses = placed_statuses(data.orders.placed_by_status)
    return render(
        request,
        TEMPLATE,
        {
            "overview": data,
            "panels": data.panels,
            "catalog_changes": change_lines(data.catalog_changes),
            "catalog_changes_days": selectors.CATALOG_CHANGES_DAYS,
            "base_spend": money.spend,
            "profit": profit_summary(
                today=timezone.localdate(now),
                base=money.spend.base,
                currencies={card.panel.currency for card in data.panels},
            ),
            "spend_charts": spend_charts(
                money.daily,
                data.panels,
                today=timezone.localdate(now),
                days=selectors.SPEND_CHART_DAYS,
                base=money.spend.base,
            ),
            "spend_chart_days": selectors.SPEND_CHART_DAYS,
            "placed_statuses": statuses,
            "counts_capped": data.counts_capped or any(item.capped for item in statuses),
            "count_cap": count_cap(),
            **_rejected_link(now),
        },
    )
