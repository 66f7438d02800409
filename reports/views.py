"""The reports page and its CSV export: the same figures, two forms."""

from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.money import money_plain
from orders.exports import BOM, neutralise
from reports.charts import day_chart
from reports.forms import ReportForm
from reports.selectors import DIMENSIONS, MoneyReport, money_report


def _report(request: HttpRequest, *, limit: int | None) -> tuple[ReportForm, MoneyReport]:
    form = ReportForm(request.GET)
    by, first, last = form.period(timezone.localdate())
    return form, money_report(by=by, first=first, last=last, limit=limit)


@require_GET
def report(request: HttpRequest) -> HttpResponse:
    form, data = _report(request, limit=None if request.GET.get("all") else 200)
    return render(
        request,
        "reports/report.html",
        {
            "section": "reports",
            "form": form,
            "report": data,
            "dimensions": DIMENSIONS,
            "by_label": DIMENSIONS[data.by],
            "chart": day_chart(data),
        },
    )


@require_GET
def report_csv(request: HttpRequest) -> HttpResponse:
    _, data = _report(request, limit=None)
    name = f"report-by-{data.by}-{data.first:%Y%m%d}-{data.last:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write(BOM)
    writer = csv.writer(response)
    currency = data.base
    writer.writerow(
        [
            DIMENSIONS[data.by],
            "Orders",
            f"Spend ({currency})",
            f"Refunds ({currency})",
            f"Sales ({currency})",
            f"Profit ({currency})",
            "Orders with a sale price",
            "Orders without a rate",
        ]
    )
    for row in [*data.rows, None]:
        label, figures = (row.label, row.figures) if row else ("Total", data.totals)
        writer.writerow(
            [
                neutralise(label),  # a customer reference is typed by a person
                figures.orders,
                money_plain(figures.spend),
                money_plain(figures.refunds),
                money_plain(figures.sales),
                money_plain(figures.profit),
                figures.with_sale,
                figures.unconverted,
            ]
        )
    return response
