"""The Rates page's forms: the base currency, the rates URL, and a rate entered by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from currency.models import RATE_DIGITS, RATE_PLACES
from currency.services import CurrencyInvalid, currency_code_clean

CODE_ATTRS = {"autocomplete": "off", "spellcheck": "false", "class": "input-code", "size": "4"}


class BaseCurrencyForm(forms.Form):
    base_currency = forms.CharField(
        label="Base currency",
        max_length=20,
        widget=forms.TextInput(attrs=CODE_ATTRS),
        help_text="Totals are shown in this currency, such as USD or EUR.",
    )

    def clean_base_currency(self) -> str:
        try:
            return currency_code_clean(self.cleaned_data["base_currency"])
        except CurrencyInvalid as exc:
            raise forms.ValidationError(str(exc)) from None


class RatesUrlForm(forms.Form):
    rates_url = forms.URLField(
        label="Rates URL",
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(
            attrs={"placeholder": "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"}
        ),
        help_text="Serves the European Central Bank's reference rates XML. Empty: rates by "
        "hand only.",
    )


class RateForm(forms.Form):
    currency = forms.CharField(label="Currency", max_length=20, widget=forms.TextInput(CODE_ATTRS))
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    rate = forms.DecimalField(
        label="Rate",
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"invalid": "A rate is a number, such as 92.5."},
    )

    def __init__(self, *args: Any, base: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base = base

    def clean_currency(self) -> str:
        try:
            code = currency_code_clean(self.cleaned_data["currency"])
        except CurrencyInvalid as exc:
            raise forms.ValidationError(str(exc)) from None
        if code == self.base:
            raise forms.ValidationError(f"{code} is the base currency: its rate is always 1.")
        return code

    def clean_rate(self) -> Decimal:
        rate: Decimal = self.cleaned_data["rate"]
        if rate <= 0:
            raise forms.ValidationError("A rate is a number above 0, such as 92.5.")
        return rate
