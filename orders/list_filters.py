"""The order list's filter bar as a form: the query string read into `OrderFilters`, and the
bar drawn with what was applied. A value it refuses is dropped quietly (core.listforms)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from core.listforms import (
    CheckField,
    ChoiceFilterField,
    DayField,
    IdChoiceField,
    ListFilterForm,
    SearchField,
    option_label,
)
from orders.models import STATUS_CHOICES, Order
from orders.selectors import DEFAULT_ORDER_SORT, ORDER_SORTS, OrderFilters, order_service_panel
from panels.models import ORDER_TYPE_CHOICES

SORT_LABELS = {
    "-created": "Newest first",
    "created": "Oldest first",
    "-charge": "Charge: high to low",
    "charge": "Charge: low to high",
    "-quantity": "Quantity: high to low",
    "quantity": "Quantity: low to high",
}


class OrderFilterForm(ListFilterForm):
    """The fields in the order the bar shows them, named as `OrderFilters` names them."""

    list_url_name = "orders:list"
    css_prefix = "of"
    query_order = (
        "q",
        "panel_id",
        "service_id",
        "type",
        "state",
        "status",
        "date_from",
        "date_to",
        "source",
        "attention",
        "charge_off",
        "sort",
    )
    param_names = {
        "panel_id": "panel",
        "service_id": "service",
        "date_from": "from",
        "date_to": "to",
        "charge_off": "charge",
    }

    q = SearchField(label="Search", placeholder="Link, panel order ID or #our ID")
    panel_id = IdChoiceField(label="Panel", any_label="All panels", hx_disable=True)
    # Any service of any panel filters (the form checks it exists); only the chosen panel's
    # ordered services are offered.
    service_id = IdChoiceField(
        label="Service", any_label="Any service", any_id=True, hx_disable=True
    )
    type = ChoiceFilterField(label="Type", any_label="Any type", choices=ORDER_TYPE_CHOICES)
    source = ChoiceFilterField(label="Source", any_label="Any source", choices=Order.Source.choices)
    state = ChoiceFilterField(label="Our state", any_label="Any state", choices=Order.State.choices)
    status = ChoiceFilterField(label="Panel status", any_label="Any status", choices=STATUS_CHOICES)
    date_from = DayField(label="From")
    date_to = DayField(label="To")
    sort = ChoiceFilterField(
        label="Sort by",
        empty_value=DEFAULT_ORDER_SORT,
        choices=[(key, SORT_LABELS[key]) for key in ORDER_SORTS],
    )
    attention = CheckField(label="Needs attention only")
    charge_off = CheckField(label="Charge off the estimate")

    def __init__(self, data: QueryDict, *, panels: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.panel_field.offer(panels)

    @property
    def panel_field(self) -> IdChoiceField:
        field = self.fields["panel_id"]
        assert isinstance(field, IdChoiceField)
        return field

    @property
    def service_field(self) -> IdChoiceField:
        field = self.fields["service_id"]
        assert isinstance(field, IdChoiceField)
        return field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # A service implies its panel; a service of another panel than the chosen one, or of
        # none, is dropped. One query, when a service is asked for.
        service_id, panel_id = cleaned["service_id"], cleaned["panel_id"]
        if service_id is not None:
            service_panel = order_service_panel(service_id=service_id)
            if service_panel is None or (panel_id is not None and service_panel != panel_id):
                cleaned["service_id"] = None
            else:
                cleaned["panel_id"] = service_panel
        # The wrong way round still means the same range.
        date_from, date_to = cleaned["date_from"], cleaned["date_to"]
        if date_from and date_to and date_from > date_to:
            cleaned["date_from"], cleaned["date_to"] = date_to, date_from
        return cleaned

    def filters(self) -> OrderFilters:
        return OrderFilters(**self.applied())

    def offer_services(self, services: list[tuple[int, str]]) -> None:
        """The chosen panel's ordered services; without a panel the select waits for one."""
        field = self.service_field
        if self.applied()["panel_id"] is not None:
            field.offer(
                [(pk, option_label(name)) for pk, name in services], any_label="All its services"
            )
            return
        field.widget.attrs.update(
            {
                "disabled": True,
                "aria-describedby": "f-service-hint",
                "title": "Choose a panel first",
            }
        )
        field.help_text = "Services are listed once a panel is chosen"
