"""The Rates page: the base currency, where rates come from, the last fetch and the latest
rates, and a rate entered by hand. Thin: reads from `currency.selectors`, writes through
`currency.services`. Every view needs a login (LoginRequiredMiddleware); writes are POST with
CSRF."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from core.htmx import HtmxHttpRequest
from currency import selectors, services
from currency.forms import BaseCurrencyForm, RateForm, RatesUrlForm

TEMPLATE = "currency/rates.html"


def _page(request: HtmxHttpRequest, *, status: int = 200, **forms: object) -> HttpResponse:
    page = selectors.rates_page()
    context = {
        "page": page,
        "base_form": BaseCurrencyForm(initial={"base_currency": page.base}),
        "url_form": RatesUrlForm(initial={"rates_url": page.settings.rates_url}),
        "rate_form": RateForm(base=page.base),
        **forms,
    }
    return render(request, TEMPLATE, context, status=status)


@require_GET
def rates(request: HtmxHttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def base_currency_set(request: HtmxHttpRequest) -> HttpResponse:
    form = BaseCurrencyForm(data=request.POST)
    if not form.is_valid():
        return _page(request, status=400, base_form=form)
    row = services.base_currency_set(code=form.cleaned_data["base_currency"])
    messages.success(request, f"Totals are now shown in {row.base_currency}.")
    return redirect("currency:rates")


@require_POST
def rates_url_set(request: HtmxHttpRequest) -> HttpResponse:
    form = RatesUrlForm(data=request.POST)
    if not form.is_valid():
        return _page(request, status=400, url_form=form)
    row = services.rates_url_set(url=form.cleaned_data["rates_url"])
    messages.success(
        request, "Rates URL saved." if row.rates_url else "Rates URL removed: rates by hand only."
    )
    return redirect("currency:rates")


@require_POST
def rates_fetch(request: HtmxHttpRequest) -> HttpResponse:
    """Fetches within the request, so the outcome shows at once (at most the fetch's timeout)."""
    outcome = services.rates_fetch()
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("currency:rates")


@require_POST
def rate_add(request: HtmxHttpRequest) -> HttpResponse:
    base = services.CurrencySettings.load().base_currency
    form = RateForm(data=request.POST, base=base)
    if not form.is_valid():
        return _page(request, status=400, rate_form=form)
    try:
        row = services.rate_set(
            currency=form.cleaned_data["currency"],
            day=form.cleaned_data["day"],
            rate=form.cleaned_data["rate"],
        )
    except services.CurrencyInvalid as exc:
        form.add_error(None, str(exc))
        return _page(request, status=400, rate_form=form)
    messages.success(
        request,
        f"Saved: on {row.day:%Y-%m-%d}, 1 {row.base} = {selectors.rate_text(row.rate)} "
        f"{row.currency}.",
    )
    return redirect("currency:rates")
