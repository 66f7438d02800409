"""The price rules page: the rules that suggest sale prices, a form to add one (or to change
one: the same page, the form filled with it), and a button to remove one. Thin: the form
reads, orders.services.price_rules writes, orders.pricing reads."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from currency.conversion import base_currency
from orders.models import PriceRule
from orders.price_rule_forms import PriceRuleForm, price_rule_initial
from orders.pricing import price_rule_rows
from orders.services.price_rules import (
    price_rule_create,
    price_rule_delete,
    price_rule_update,
)

TEMPLATE = "orders/price_rules.html"


@require_http_methods(["GET", "POST"])
def price_rules(request: HttpRequest) -> HttpResponse:
    """The rules, and the form that adds one."""
    return _page(request, None)


@require_http_methods(["GET", "POST"])
def price_rule_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The rules, and the form filled with one of them to change it."""
    return _page(request, get_object_or_404(PriceRule, pk=pk))


def _page(request: HttpRequest, rule: PriceRule | None) -> HttpResponse:
    base = base_currency()
    initial = price_rule_initial(rule) if rule is not None else None
    form = PriceRuleForm(request.POST or None, base=base, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = form.cleaned_data["rule"]
        if rule is None:
            rule = price_rule_create(**fields)
            messages.success(request, f"Price rule added: {rule.get_scope_display().lower()}.")
        else:
            price_rule_update(rule=rule, **fields)
            messages.success(request, f"Price rule saved: {rule.get_scope_display().lower()}.")
        return redirect("orders:price_rules")
    context = {"form": form, "rows": price_rule_rows(), "base": base, "editing": rule}
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


@require_POST
def price_rule_remove(request: HttpRequest, pk: int) -> HttpResponse:
    if price_rule_delete(pk=pk):
        messages.success(request, "Price rule removed.")
    else:
        messages.info(request, "That price rule was already removed.")
    return redirect("orders:price_rules")
