"""The order form: built from the service's order type (`panels.api.order_types.ORDER_TYPES`) and
the field table (`orders.fields.FIELDS`): each field's kind gives its input, label, help, limits
and width.

It only shapes what a person types (a textarea per list, numbers with their limits, a
select for the subscription delay, a date for the expiry) into the raw values of
`orders.validation.validate_order`, which owns every rule and message. The estimate and the
live hints under the fields come from the same values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms

from core.money import money_text
from orders.fields import (
    DATE,
    DELAY,
    DRIPFEED_FIELDS,
    FIELDS,
    LINK,
    LIST,
    NUMBER,
    _number,
    delay_label,
    expiry_text,
    field_spec,
    limits_text,
    parse_extra,
)
from orders.sales import Sale, read_sale
from orders.validation import CleanOrder, validate_order
from panels.api.order_types import (
    FLAT,
    ORDER_TYPES,
    OTHER,
    PER_LINE,
    SUBSCRIPTION,
    SUBSCRIPTION_DELAYS,
    OrderType,
    estimate_cost,
    split_lines,
)
from panels.models import Service

REQUIRED_MESSAGE = "Required for this service."


def order_type_of(service: Service) -> OrderType:
    return ORDER_TYPES.get(service.type, ORDER_TYPES[OTHER])


@dataclass
class Hint:
    """What shows under a field: its help, what is typed so far (a line count, a total), and
    what is wrong with it."""

    name: str
    help: str = ""
    live: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Row:
    field: forms.BoundField
    hint: Hint
    optional: bool  # marked "optional" (drip-feed fields are not: their group says it)
    half: bool

    @property
    def name(self) -> str:
        return self.field.name


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    help: str
    rows: list[Row]


@dataclass(frozen=True)
class Estimate:
    cost: Decimal | None
    currency: str
    breakdown: str  # how the number is reached, or why there is none yet
    units: int | None = None  # what the panel delivers and charges for
    is_reserve: bool = False  # subscriptions: the most it can cost, not what it will

    @property
    def cost_text(self) -> str:
        return money_text(self.cost)


class OrderForm(forms.Form):
    """The fields of one service's type. Every Django field is optional and kept as text:
    `validate_order` decides what is required and what is valid, with its own messages."""

    extra = forms.CharField(
        label="Extra fields",
        required=False,
        strip=True,
        widget=forms.Textarea(
            attrs={
                "rows": 3,
                "spellcheck": "false",
                "autocomplete": "off",
                "placeholder": "order_style=fast",
                "aria-describedby": "hint-extra",
                "data-carry": "1",
            }
        ),
    )

    # The reseller's own: not the panel's fields, never sent (orders.sales). Shown beside the
    # estimate; the price is prefilled with the suggestion (orders.presenters.sale).
    sale_price = forms.CharField(
        label="Sale price",
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false",
                   "aria-describedby": "hint-sale_price"}
        ),
    )  # fmt: skip
    customer = forms.CharField(
        label="Customer",
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "maxlength": 200, "placeholder": "Name or reference",
                   "aria-describedby": "hint-customer", "data-carry": "1"}
        ),
    )  # fmt: skip

    def __init__(self, service: Service, *args: Any, today: date | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.service = service
        self.spec = order_type_of(service)
        self.today = today or date.today()
        # In the type's order (subscriptions read as pairs: min/max, posts/old posts...).
        names = [n for n in self.spec.fields if n not in DRIPFEED_FIELDS or service.dripfeed]
        self.names = names
        extra = self.fields.pop("extra")
        for name in names:
            self.fields[name] = self._make_field(name)
        self.fields["extra"] = extra
        self._checked: tuple[CleanOrder | None, dict[str, list[str]]] | None = None

    # ---- Building -----------------------------------------------------------------------

    def _make_field(self, name: str) -> forms.Field:
        # data-carry: kept when another service is picked (the picker's hx-include).
        attrs: dict[str, Any] = {
            "aria-describedby": f"hint-{name}",
            "autocomplete": "off",
            "data-carry": "1",
        }
        spec = field_spec(name)
        widget: forms.Widget
        if spec.kind == LIST:
            attrs |= {"rows": spec.rows, "spellcheck": "false", "placeholder": "One per line"}
            widget = forms.Textarea(attrs=attrs)
        elif spec.kind == NUMBER:
            attrs |= {"inputmode": "numeric", "step": 1, **self._number_limits(name)}
            widget = forms.NumberInput(attrs=attrs)
        elif spec.kind == DELAY:
            choices = [(str(d), delay_label(d)) for d in SUBSCRIPTION_DELAYS]
            widget = forms.Select(attrs=attrs, choices=choices)
        elif spec.kind == DATE:
            widget = forms.DateInput(attrs={**attrs, "type": "date", "min": self.today.isoformat()})
        else:
            attrs |= {"spellcheck": "false"}
            if spec.kind == LINK:
                attrs |= {"inputmode": "url", "placeholder": "https://"}
            widget = forms.TextInput(attrs=attrs)
        label = spec.label
        if name == "quantity" and "runs" in self.names:
            label = "Quantity (per run with drip-feed)"
        initial = str(SUBSCRIPTION_DELAYS[0]) if spec.kind == DELAY else None  # "No delay"
        return forms.CharField(label=label, required=False, widget=widget, initial=initial)

    def _number_limits(self, name: str) -> dict[str, int]:
        spec = field_spec(name)
        if spec.service_limits:
            low, high = self.service.min_quantity, self.service.max_quantity
            return {"min": low or 1, **({"max": high} if high else {})}
        return {"min": spec.low, **({"max": spec.high} if spec.high is not None else {})}

    def help_for(self, name: str) -> str:
        spec, service, info = self.spec, self.service, field_spec(name)
        if spec.key in info.help_by_type:
            return info.help_by_type[spec.key]
        if info.service_limits:
            limits = limits_text(service)
            return " ".join(p for p in (info.help, f"{limits}." if limits else "") if p)
        if spec.pricing == PER_LINE and name == spec.counted_field:
            limits = limits_text(service)
            text = f"One per line: the number of {info.noun} is the quantity."
            return f"{text} {limits}." if limits else text
        return info.help

    # ---- Values -------------------------------------------------------------------------

    def raw(self, name: str) -> str:
        """What is in the field now: the posted text, or the initial value."""
        if self.is_bound:
            value = self.data.get(name, "")
        else:
            value = self.initial.get(name, self.fields[name].initial if name in self.fields else "")
        return "" if value is None else str(value)

    def values(self) -> dict[str, object]:
        """The raw values `validate_order` takes: the type's fields as typed, the expiry as
        d/m/Y, and the extra fields as a mapping."""
        values: dict[str, object] = {name: self.raw(name).strip() for name in self.names}
        if "expiry" in values:
            values["expiry"] = expiry_text(str(values["expiry"]))
        extra, _ = parse_extra(self.raw("extra"))
        if extra:
            values["extra"] = extra
        return values

    def check(self) -> tuple[CleanOrder | None, dict[str, list[str]]]:
        """validate_order over the current values (once), plus any malformed extra lines."""
        if self._checked is None:
            clean, errors = validate_order(self.service, self.values(), today=self.today)
            _, extra_errors = parse_extra(self.raw("extra"))
            if extra_errors:
                errors = {**errors, "extra": extra_errors + errors.get("extra", [])}
                clean = None
            self._checked = (clean, errors)
        return self._checked

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        _, errors = self.check()
        self.add_order_errors(errors)
        for name, messages in self.sale().errors.items():
            for message in messages:
                self.add_error(name, message.split(": ", 1)[-1])
        return cleaned

    def sale(self) -> Sale:
        """The sale price and customer as typed, read (orders.sales.read_sale)."""
        return read_sale(self.raw("sale_price"), self.raw("customer"))

    def add_order_errors(self, errors: dict[str, list[str]]) -> None:
        """Messages of validate_order (or order_create) onto their fields; a message about a
        field the form does not show goes on top, naming the field."""
        for name, messages in errors.items():
            for message in messages:
                if name in self.fields:
                    self.add_error(name, message)
                elif name == "__all__":
                    self.add_error(None, message)
                else:
                    label = FIELDS[name].label if name in FIELDS else name
                    self.add_error(None, f"{label}: {message}")

    def duplicate_key(self) -> str:
        """What the panel's one-active-order-per-link rule compares: the link, or the username
        of a subscription."""
        if "link" in self.names:
            return self.raw("link").strip()
        return self.raw("username").strip().lstrip("@")

    # ---- What the page shows ------------------------------------------------------------

    def hints(self, *, live: bool = False) -> dict[str, Hint]:
        """Per field. `live` (while typing): only messages about fields that hold something,
        from validate_order; otherwise the form's own errors (after a submit)."""
        checked = self.check()[1] if (live or self.is_bound) else {}
        hints: dict[str, Hint] = {}
        for name in [*self.names, "extra"]:
            hint = Hint(name=name, help=self.help_for(name) if name != "extra" else "")
            text = self.raw(name).strip()
            if field_spec(name).kind == LIST:
                count = len(split_lines(text))
                noun = field_spec(name).noun
                if count:
                    hint.live = f"{count:,} {noun if count != 1 else noun.rstrip('s')}"
            if name == "quantity" and "runs" in self.names:
                runs, quantity = _number(self.raw("runs")), _number(text)
                if runs and quantity:
                    hint.live = f"Total {runs * quantity:,} over {runs:,} runs."
            if live:
                hint.errors = [m for m in checked.get(name, []) if text or m != REQUIRED_MESSAGE]
            elif self.is_bound:
                hint.errors = [str(e) for e in self.errors.get(name, [])]
            hints[name] = hint
        return hints

    def sections(self, *, live: bool = False) -> list[Section]:
        hints = self.hints(live=live)
        required = set(self.spec.required)

        def row(name: str) -> Row:
            optional = name not in required and name not in DRIPFEED_FIELDS
            return Row(self[name], hints[name], optional, field_spec(name).half)

        main = [row(n) for n in self.names if n not in DRIPFEED_FIELDS]
        sections = [Section("main", "", "", main)]
        if "runs" in self.names:
            sections.append(
                Section(
                    "dripfeed",
                    "Drip-feed",
                    "Optional: deliver the quantity in several runs. The "
                    "total is runs × quantity, and so is the price.",
                    [row(n) for n in DRIPFEED_FIELDS],
                )
            )
        return sections

    def extra_row(self) -> Row:
        return Row(self["extra"], self.hints()["extra"], True, False)

    @property
    def other_errors(self) -> list[str]:
        return [str(e) for e in self.non_field_errors()] if self.is_bound else []

    def estimate(self) -> Estimate:
        """The cost by the type's pricing rule, from the values typed so far (also while some
        are still wrong, where the numbers are readable)."""
        service, spec = self.service, self.spec
        currency = service.panel.currency
        rate = money_text(service.rate)
        clean, _ = self.check()
        values = {k: v for k, v in self.values().items() if k != "extra"}
        if clean is not None:
            cost = clean.estimated_cost
            units = clean.billable
        else:
            # Numbers read as the validator reads them ("1,000" is 1000); "1,5" stays as typed
            # and gives no estimate rather than the cost of 15.
            values_for_cost = {
                k: (
                    str(_number(v))
                    if field_spec(k).kind == NUMBER and _number(v) is not None
                    else str(v)
                )
                for k, v in values.items()
            }
            cost = estimate_cost(service.type, service.rate, values_for_cost)
            units = None
        if spec.pricing == FLAT:
            return Estimate(service.rate, currency, "One package: the rate is the whole price.")
        if spec.pricing == SUBSCRIPTION:
            return self._subscription_estimate(cost, currency, rate)
        if spec.pricing == PER_LINE:
            counted = spec.counted_field or ""
            count = len(split_lines(values.get(counted, "")))
            noun = field_spec(counted).noun
            if not count:
                return Estimate(None, currency, f"Write the {noun}, one per line, to see the cost.")
            return Estimate(cost, currency, f"{count:,} {noun} × {rate} per 1000", count)
        quantity = _number(values.get("quantity"))
        if quantity is None:
            return Estimate(None, currency, "Enter a quantity to see the cost.")
        runs = _number(values.get("runs")) if "runs" in values else None
        if runs:
            total = runs * quantity
            text = f"{runs:,} runs × {quantity:,} = {total:,} × {rate} per 1000"
            return Estimate(cost, currency, text, units or total)
        return Estimate(cost, currency, f"{quantity:,} × {rate} per 1000", units or quantity)

    def _subscription_estimate(self, cost: Decimal | None, currency: str, rate: str) -> Estimate:
        values = self.values()
        high, posts = _number(values.get("max")), _number(values.get("posts"))
        if high is None:
            return Estimate(None, currency, "Enter the max per post to see the cost.")
        per_post = money_text(self.service.rate * high / 1000)
        if posts is None:
            text = (
                f"No upper bound without a number of posts: up to {per_post} {currency} "
                f"per new post ({high:,} × {rate} per 1000) until it expires or is canceled."
            )
            return Estimate(None, currency, text)
        text = f"Reserved: up to {high:,} per post × {posts:,} posts × {rate} per 1000"
        return Estimate(cost, currency, text, high * posts, is_reserve=True)
