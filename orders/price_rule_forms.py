"""The form that adds a price rule: a scope, what it applies to, and what it adds.

What it applies to is named the way people know it: a panel (and a category of it, typed as
the panel lists it), or a panel and the panel's own service ID (for one service, or for the
same offer on every panel, which takes that service's match key). Amounts are read as typed
(core.money.read_amount: "12,50" too), in the base currency.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from core.money import money_plain, read_amount
from orders.models import PriceRule
from orders.pricing import price_rule_offer_service, price_rule_targets
from panels.models import Panel

Scope = PriceRule.Scope
AMOUNTS = ("markup_percent", "markup_fixed", "min_price")


class PriceRuleForm(forms.Form):
    scope = forms.ChoiceField(label="Applies to", choices=Scope.choices, initial=Scope.DEFAULT)
    panel = forms.ModelChoiceField(
        label="Panel",
        queryset=Panel.objects.order_by("name", "pk"),
        required=False,
        empty_label="Choose a panel",
        help_text="For a panel, a category, a service or an offer.",
    )
    category = forms.CharField(
        label="Category", required=False, max_length=300,
        help_text="As the panel lists it (for a category rule).",
    )  # fmt: skip
    service = forms.CharField(
        label="Service ID",
        required=False,
        max_length=100,
        help_text="The panel's own service ID (for a service or an offer rule).",
    )
    markup_percent = forms.CharField(label="Markup %", required=False, max_length=40)
    markup_fixed = forms.CharField(label="Fixed markup", required=False, max_length=40)
    min_price = forms.CharField(label="Minimum price", required=False, max_length=40)
    note = forms.CharField(label="Note", required=False, max_length=200)

    def __init__(self, *args: Any, base: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base = base
        self.fields["markup_fixed"].help_text = f"Added to the cost, in {base}."
        self.fields["min_price"].help_text = f"The suggestion is never below it, in {base}."
        self.fields["markup_percent"].help_text = "Of the cost: 50 adds half of it."
        for name in AMOUNTS:
            self.fields[name].widget.attrs.update(
                {"inputmode": "decimal", "autocomplete": "off", "placeholder": "—"}
            )

    def _amount(self, name: str) -> Decimal | None:
        text = str(self.cleaned_data.get(name) or "").strip()
        if not text:
            return None
        text = text.removesuffix("%") if name == "markup_percent" else text
        try:
            return read_amount(text)
        except ValueError as exc:
            self.add_error(name, str(exc))
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        amounts = {name: self._amount(name) for name in AMOUNTS}
        if all(value is None for value in amounts.values()) and not any(
            name in self.errors for name in AMOUNTS
        ):
            raise forms.ValidationError(
                "Give a markup (percent or fixed), a minimum sale price, or both."
            )
        scope = cleaned.get("scope", "")
        panel = cleaned.get("panel")
        target: dict[str, Any] = {}
        if scope == Scope.DEFAULT:
            pass
        elif not isinstance(panel, Panel):
            self.add_error("panel", "Choose the panel this rule is for.")
        elif scope == Scope.CATEGORY:
            category = str(cleaned.get("category", "")).strip()
            if not category:
                self.add_error("category", "Write the category, as the panel lists it.")
            else:
                target = {"panel": panel, "category": category}
        elif scope in (Scope.SERVICE, Scope.OFFER):
            target = self._service_target(scope, panel, str(cleaned.get("service", "")).strip())
        elif scope == Scope.PANEL:
            target = {"panel": panel}
        cleaned["rule"] = {"scope": scope, **target, **amounts, "note": cleaned.get("note", "")}
        return cleaned

    def _service_target(self, scope: str, panel: Panel, remote_id: str) -> dict[str, Any]:
        if not remote_id:
            self.add_error("service", "Write the panel's service ID.")
            return {}
        found = price_rule_targets(panel=panel, remote_id=remote_id)
        if found is None:
            self.add_error("service", f"{panel.name} has no service with ID {remote_id[:40]!r}.")
            return {}
        if scope == Scope.SERVICE:
            return {"service": found}
        if not found.match_key:
            self.add_error(
                "service",
                "This service is not recognised as an offer other panels sell: make the rule "
                "for the service itself.",
            )
            return {}
        return {"match_key": found.match_key}


def price_rule_initial(rule: PriceRule) -> dict[str, Any]:
    """The form's values for an existing rule, amounts as plain digits; an offer rule shows
    the panel and ID of one service that sells the offer (the lowest id: a stable choice)."""
    service = rule.service
    if rule.scope == Scope.OFFER:
        service = price_rule_offer_service(match_key=rule.match_key)
    initial: dict[str, Any] = {
        "scope": rule.scope,
        "panel": rule.panel_id or (service.panel_id if service is not None else None),
        "category": rule.category,
        "service": service.remote_id if service is not None else "",
        "note": rule.note,
    }
    for name in AMOUNTS:
        value = getattr(rule, name)
        initial[name] = money_plain(value) if value is not None else ""
    return initial
