"""A panel's balance page: its readings, top-ups and the intervals that do not add up, and the
two writes on it (record a top-up; confirm or set aside a suggested one). Thin: reads from
`ledger.selectors`, writes through `ledger.services`. Login required (LoginRequiredMiddleware);
the writes are POST with CSRF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.htmx import HtmxHttpRequest
from core.money import money
from ledger import selectors, services
from ledger.charts import balance_chart
from ledger.forms import TopUpForm
from ledger.models import BalanceCheck, TopUp
from panels.models import Panel

TEMPLATE = "ledger/panel.html"
READINGS_CHARTED = 200
READINGS_LISTED = 30
CHECKS_LISTED = 30


def _page(request: HtmxHttpRequest, panel: Panel, form: TopUpForm, status: int = 200) -> Any:
    readings = selectors.panel_readings(panel=panel, limit=READINGS_CHARTED)
    checks = selectors.panel_checks(panel=panel, limit=READINGS_CHARTED)
    top_ups = list(selectors.panel_top_ups(panel=panel))
    flagged = [c for c in checks if c.is_flagged]
    context = {
        "panel": panel,
        "chart": balance_chart(readings, checks, top_ups),
        "readings": readings[::-1][:READINGS_LISTED],
        "checks": checks[:CHECKS_LISTED],
        "flagged": [(c, selectors.check_orders(check=c)) for c in flagged],
        "suggested": [t for t in top_ups if t.state == TopUp.State.SUGGESTED],
        "top_ups": [t for t in top_ups if t.state != TopUp.State.SUGGESTED],
        "form": form,
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
def panel_balance(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    panel = get_object_or_404(Panel, pk=pk)
    initial = {"at": timezone.localtime().replace(second=0, microsecond=0)}
    return _page(request, panel, TopUpForm(initial=initial))


@require_POST
def top_up_add(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    panel = get_object_or_404(Panel, pk=pk)
    form = TopUpForm(data=request.POST)
    if not form.is_valid():
        return _page(request, panel, form, status=400)
    data = form.cleaned_data
    services.top_up_record(
        panel=panel, amount=data["amount"], at=data["at"], note=data["note"], user=request.user
    )
    messages.success(request, f"Top-up of {money(data['amount'], panel.currency)} recorded.")
    return redirect(reverse("ledger:panel", args=[panel.pk]))


@require_POST
def top_up_decide(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    top_up = get_object_or_404(TopUp.objects.select_related("panel"), pk=pk)
    confirm = request.POST.get("decision") == "confirm"
    if services.top_up_decide(top_up=top_up, confirm=confirm, user=request.user):
        amount = money(top_up.amount, top_up.panel.currency)
        text = f"Top-up of {amount} confirmed." if confirm else f"{amount}: not a top-up."
        messages.success(request, text)
    else:
        messages.info(request, "That suggestion was already decided.")
    return redirect(reverse("ledger:panel", args=[top_up.panel_id]))


@require_POST
def check_acknowledge(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    check = get_object_or_404(BalanceCheck, pk=pk)
    if services.check_acknowledge(check=check, user=request.user):
        messages.success(request, "Acknowledged: it stays here and leaves the overview.")
    return redirect(f"{reverse('ledger:panel', args=[check.panel_id])}#check-{check.pk}")
