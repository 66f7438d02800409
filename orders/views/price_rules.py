"""The price rules page: the rules that suggest sale prices, a form to add one, and a button
to remove one. Thin: the form reads, orders.services.price_rules writes, orders.pricing
reads."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from currency.conversion import base_currency
from orders.price_rule_forms import PriceRuleForm
from orders.pricing import price_rule_rows
from orders.services.price_rules import price_rule_create, price_rule_delete

TEMPLATE = "orders/price_rules.html"


@require_http_methods(["GET", "POST"])
def price_rules(request: HttpRequest) -> HttpResponse:
    base = base_currency()
    form = PriceRuleForm(request.POST or None, base=base)
    if request.method == "POST" and form.is_valid():
        rule = price_rule_create(**form.cleaned_data["rule"])
        messages.success(request, f"Price rule added: {rule.get_scope_display().lower()}.")
        return redirect("orders:price_rules")
    context = {"form": form, "rows": price_rule_rows(), "base": base}
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


@require_POST
def price_rule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if price_rule_delete(pk=pk):
        messages.success(request, "Price rule removed.")
    else:
        messages.info(request, "That price rule was already removed.")
    return redirect("orders:price_rules")
