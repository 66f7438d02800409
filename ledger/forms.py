"""Recording a top-up: how much reached the panel's balance, when, and a note."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from panels.models import MONEY_DIGITS, MONEY_PLACES

MAX_TOP_UP = Decimal(10) ** 9


class TopUpForm(forms.Form):
    amount = forms.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(MAX_TOP_UP)],
        help_text="In the panel's own currency, as the panel added it.",
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    at = forms.DateTimeField(
        label="When",
        help_text="When it reached the balance (your time zone). It counts in the interval "
        "between the two balance readings around it.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        max_length=300, required=False, help_text="Optional: how it was paid, a reference."
    )
