"""The catalog browser's filter bar as a form: the query string read into `CatalogFilters`,
and the bar drawn with what was applied. A value it refuses is dropped quietly
(core.listforms)."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict

from core import querystring
from core.listforms import (
    ChoiceFilterField,
    IdChoiceField,
    ListFilterForm,
    SearchField,
    YesNoField,
    option_label,
)
from panels.api.order_types import ORDER_TYPES
from panels.selectors.catalog import (
    DEFAULT_SORT,
    SORTS,
    CatalogFacets,
    CatalogFilters,
    catalog_facets,
)

SORT_LABELS = {
    "name": "Name",
    "panel": "Panel",
    "rate": "Rate: low to high",
    "-rate": "Rate: high to low",
    "min": "Min: low to high",
    "-min": "Min: high to low",
    "max": "Max: low to high",
    "-max": "Max: high to low",
}
SORT_CHOICES = [(key, SORT_LABELS.get(key, key)) for key in SORTS]


class CatalogFilterForm(ListFilterForm):
    """The fields in the order the bar shows them, named as `CatalogFilters` names them."""

    list_url_name = "catalog:browse"
    css_prefix = "filters"
    param_names = {"panel_id": "panel"}

    q = SearchField(label="Search", placeholder="Name, category or service ID")
    panel_id = IdChoiceField(label="Panel", any_label="All panels", hx_disable=True)
    category = ChoiceFilterField(label="Category", any_label="All categories", hx_disable=True)
    type = ChoiceFilterField(label="Type", any_label="Any type")
    refill = YesNoField(label="Refill")
    cancel = YesNoField(label="Cancel")
    dripfeed = YesNoField(label="Drip-feed")
    sort = ChoiceFilterField(label="Sort by", choices=SORT_CHOICES, empty_value=DEFAULT_SORT)

    def __init__(self, data: QueryDict, *, facets: CatalogFacets) -> None:
        super().__init__(data)
        self.choice_field("panel_id").offer(facets.panels)
        # Every category and type of the listed services filters; the options leave out the
        # empty category and the types we have no name for.
        category = self.choice_field("category")
        category.accepts = facets.categories
        category.offer([(name, option_label(name)) for name in facets.categories if name])
        type_ = self.choice_field("type")
        type_.accepts = facets.types
        type_.offer([(key, ORDER_TYPES[key].label) for key in facets.types if key in ORDER_TYPES])

    def choice_field(self, name: str) -> ChoiceFilterField:
        field = self.fields[name]
        assert isinstance(field, ChoiceFilterField)
        return field

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned["panel_id"] is not None:  # the categories offered are the panel's
            self.choice_field("category").offer(any_label="All categories of this panel")
        return cleaned

    def filters(self) -> CatalogFilters:
        return CatalogFilters(**self.applied())


def catalog_filter_form(params: QueryDict) -> CatalogFilterForm:
    """The form for these parameters, with the facets of the panel they ask for (all panels'
    when it is not one of them). Three queries; six for a panel that is not listed."""
    panel_id = querystring.positive_int(params.get("panel", ""))
    facets = catalog_facets(panel_id=panel_id)
    if panel_id is not None and panel_id not in {pk for pk, _ in facets.panels}:
        facets = catalog_facets()
    return CatalogFilterForm(params, facets=facets)
