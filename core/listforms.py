"""The filter bar of a list page as a Django form: it reads the query string and draws the bar.

A list page never fails on its query string. A value that a field refuses is dropped quietly:
the page applies that field's default, as if the parameter had not been sent, and the bar shows
what the page applied (never the text that was typed). The bar is drawn by `_filter_bar.html`
from the form's fields, each in a wrapper `f-<param>-field` that htmx can swap out of band.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, ClassVar

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField
from django.http import QueryDict
from django.urls import reverse
from django.utils.text import Truncator

from core import querystring

# Options that show what a panel wrote (a service's name, a category) are cut to this many
# characters: some are paragraphs.
OPTION_LABEL_LIMIT = 90

# Days a date filter accepts: anything wider is no filter (and stays clear of date overflows).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)
DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

YES = frozenset({"yes", "on", "1", "true"})

Choices = Sequence[tuple[Any, str]]


def option_label(text: str) -> str:
    return Truncator(text).chars(OPTION_LABEL_LIMIT)


# ---- Widgets: the id first, as the pages have always written them ---------------------------


class FilterSelect(forms.Select):
    template_name = "widgets/filter_select.html"

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # The option that filters nothing comes first, so it shows unless another is selected:
        # not marked, as the pages always wrote it.
        option = super().create_option(name, value, *args, **kwargs)
        if value == "":
            option["selected"] = False
            option["attrs"].pop("selected", None)
        return option


class FilterSearchInput(forms.TextInput):
    input_type = "search"
    template_name = "widgets/filter_input.html"


class FilterDateInput(forms.DateInput):
    input_type = "date"
    template_name = "widgets/filter_input.html"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class FilterCheckbox(forms.CheckboxInput):
    template_name = "widgets/filter_input.html"

    def __init__(self) -> None:
        super().__init__(attrs={"value": "yes"})

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        # The text as sent: the field decides what ticks the box (CheckboxInput would take any
        # text but "false" as ticked).
        return data.get(name, "")


# ---- Fields ---------------------------------------------------------------------------------


class SearchField(forms.CharField):
    """Free text: NUL bytes dropped, white space folded, cut to `limit` characters (a longer
    text is cut, not refused)."""

    def __init__(self, *, label: str, placeholder: str, limit: int = 200) -> None:
        attrs = {
            "maxlength": str(limit),
            "placeholder": placeholder,
            "autocomplete": "off",
            "spellcheck": "false",
        }
        super().__init__(
            label=label, required=False, strip=False, widget=FilterSearchInput(attrs=attrs)
        )
        self.limit = limit

    def to_python(self, value: Any) -> str:
        return " ".join(str(value or "").replace("\x00", "").split())[: self.limit]


class ChoiceFilterField(forms.TypedChoiceField):
    """A select. `any_label` names the first option, the one that filters nothing (none when
    the field always has a value: then `empty_value` is what an absent one means). `accepts`,
    where given, is what the field takes instead of the values it offers."""

    def __init__(
        self,
        *,
        label: str,
        choices: Choices = (),
        any_label: str | None = None,
        accepts: Collection[str] | None = None,
        empty_value: Any = "",
        hx_disable: bool = False,
        **kwargs: Any,
    ) -> None:
        attrs = {"hx-disable": True} if hx_disable else {}
        super().__init__(
            label=label,
            required=False,
            empty_value=empty_value,
            widget=FilterSelect(attrs=attrs),
            **kwargs,
        )
        self.any_label = any_label
        self.accepts = accepts
        self.offered: list[tuple[Any, str]] = []
        self.offer(choices)

    def offer(self, choices: Choices | None = None, *, any_label: str | None = None) -> None:
        """The options (the ones offered until now where None), after the one that filters
        nothing, renamed to `any_label` where given."""
        if choices is not None:
            self.offered = list(choices)
        if any_label is not None:
            self.any_label = any_label
        first = [("", self.any_label)] if self.any_label is not None else []
        self.choices = [*first, *self.offered]

    def valid_value(self, value: Any) -> bool:
        if self.accepts is not None:
            return value in self.accepts
        return super().valid_value(value)


class IdChoiceField(ChoiceFilterField):
    """A select of rows by id: "3" (or " 03 ") is row 3, cleaned to the int. With `any_id`,
    every id is taken and the form checks that the row exists."""

    def __init__(self, *, any_id: bool = False, **kwargs: Any) -> None:
        super().__init__(coerce=int, empty_value=None, **kwargs)
        self.any_id = any_id

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        number = querystring.positive_int(text)
        return str(number) if number is not None else text

    def valid_value(self, value: Any) -> bool:
        if self.any_id:
            return querystring.positive_int(str(value)) is not None
        return super().valid_value(value)


class YesNoField(ChoiceFilterField):
    """Any, yes or no: cleaned to None, True or False."""

    def __init__(self, *, label: str) -> None:
        super().__init__(
            label=label,
            any_label="Any",
            choices=[("yes", "Yes"), ("no", "No")],
            coerce=lambda value: value == "yes",
            empty_value=None,
        )

    def prepare_value(self, value: Any) -> Any:
        if value is True:
            return "yes"
        if value is False:
            return "no"
        return value


class CheckField(forms.BooleanField):
    """A box ticked with value "yes"; "on", "1" and "true" tick it too, anything else not."""

    def __init__(self, *, label: str) -> None:
        super().__init__(label=label, required=False, widget=FilterCheckbox())

    def to_python(self, value: Any) -> bool:
        return str(value or "").strip().lower() in YES

    def prepare_value(self, value: Any) -> Any:
        return "yes" if value else ""


class DayField(forms.DateField):
    """A day written YYYY-MM-DD, between FIRST_DAY and LAST_DAY; nothing else."""

    widget = FilterDateInput

    def __init__(self, *, label: str) -> None:
        super().__init__(label=label, required=False)

    def to_python(self, value: Any) -> date | None:
        text = str(value or "").strip()
        if not text:
            return None
        if DAY_RE.fullmatch(text):
            try:
                day = date.fromisoformat(text)
            except ValueError:
                pass
            else:
                if FIRST_DAY <= day <= LAST_DAY:
                    return day
        raise ValidationError("Not a day", code="invalid")


# ---- The form -------------------------------------------------------------------------------


class FilterBoundField(BoundField):
    """A field of the filter bar: what it shows, and its wrapper's id and classes."""

    form: ListFilterForm

    def value(self) -> Any:
        # What the page applied: a refused value shows as its default, a value the form
        # corrected (a service's panel) as corrected.
        cleaned = getattr(self.form, "cleaned_data", None)
        if cleaned is not None and self.name in cleaned:
            return self.field.prepare_value(cleaned[self.name])
        return super().value()

    def build_widget_attrs(self, attrs: Any, widget: forms.Widget | None = None) -> dict[str, Any]:
        # Django marks a field with errors invalid and points at its error and help texts; the
        # bar shows no errors (a refused value is dropped quietly) and writes its hints itself.
        built = super().build_widget_attrs(attrs, widget)
        built.pop("aria-invalid", None)
        built.pop("aria-describedby", None)
        return built

    @property
    def is_checkbox(self) -> bool:
        return isinstance(self.field.widget, forms.CheckboxInput)

    @property
    def hint(self) -> str:
        # Read from the field each time: a form may set it after cleaning (the bound field was
        # made, with a copy of the help text, while cleaning).
        return str(self.field.help_text)

    @property
    def wrapper_id(self) -> str:
        return f"{self.auto_id}-field"

    @property
    def wrapper_class(self) -> str:
        name = self.form.css_names.get(self.html_name, self.html_name)
        css = f"{self.form.css_prefix}-{name}"
        return css if self.is_checkbox else f"field {css}"


class ListFilterForm(forms.Form):
    """A list page's filters, bound to its GET parameters.

    `cleaned_data` always holds every field: a refused value is replaced by the field's
    default (what the field makes of an absent parameter). Subclasses name their fields as the
    selector's filter dataclass does, and `param_names` maps a name to its query parameter
    where the two differ.
    """

    bound_field_class = FilterBoundField
    list_url_name: ClassVar[str]
    css_prefix: ClassVar[str]  # of each wrapper's class: "of" gives "of-panel"
    css_names: ClassVar[dict[str, str]] = {"q": "search"}
    param_names: ClassVar[dict[str, str]] = {}
    # The fields in the order of the canonical query string, where it is not the bar's order.
    query_order: ClassVar[tuple[str, ...]] = ()

    def __init__(self, data: QueryDict) -> None:
        # Always bound: a list page reads its filters from its query string, even an empty one.
        super().__init__(data, auto_id="f-%s", label_suffix="")
        url = reverse(self.list_url_name)
        for field in self.fields.values():
            if isinstance(field, SearchField):
                # Searches as one types; the rest of the form goes along.
                field.widget.attrs.update(
                    {
                        "hx-get": url,
                        "hx-trigger": "input changed delay:300ms, search",
                        "hx-include": "closest form",
                        "hx-sync": "closest form:queue last",
                    }
                )

    def add_prefix(self, field_name: str) -> str:
        return super().add_prefix(self.param_names.get(field_name, field_name))

    @property
    def actions_class(self) -> str:
        css = f"{self.css_prefix}-actions"
        return "filters-actions" if css == "filters-actions" else f"filters-actions {css}"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, field in self.fields.items():
            if name not in cleaned:  # refused: dropped quietly
                cleaned[name] = field.clean("")
        return cleaned

    def applied(self) -> dict[str, Any]:
        """Every field's value as the page applies it."""
        self.is_valid()
        return self.cleaned_data

    def query(self) -> QueryDict:
        """The applied filters as a query string, without defaults: the canonical URL of a
        result page."""
        applied = self.applied()
        values = {}
        for name in self.query_order or tuple(self.fields):
            field, value = self.fields[name], applied[name]
            default = field.clean("")
            values[self.add_prefix(name)] = "" if value == default else field.prepare_value(value)
        return querystring.canonical(values)
