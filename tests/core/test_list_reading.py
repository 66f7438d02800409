"""What a list page makes of its query string: the page number (Paginator.get_page with the
old rules for what is not a number) and the filter form's fields, which drop what they refuse."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.paginator import Paginator
from django.http import QueryDict

from core.listforms import CheckField, DayField, IdChoiceField, ListFilterForm, SearchField
from core.querystring import get_page

THREE_PAGES = Paginator(range(120), 50)


@pytest.mark.parametrize(
    ("value", "number"),
    [("", 1), ("2", 2), (" 2 ", 2), ("002", 2), ("3", 3), ("4", 3), ("9" * 40, 3), ("9" * 5000, 3),
     ("0", 1), ("00", 1), ("-1", 1), ("+2", 1), ("2.5", 1), ("1e9", 1), ("2_0", 1), ("٢", 1),
     ("abc", 1)],
)  # fmt: skip
def test_get_page_reads_only_ascii_page_numbers(value: str, number: int) -> None:
    assert get_page(THREE_PAGES, value).number == number


class SomeFilters(ListFilterForm):
    list_url_name = "orders:list"
    css_prefix = "x"
    param_names = {"panel_id": "panel", "day": "from"}

    q = SearchField(label="Search", placeholder="", limit=10)
    panel_id = IdChoiceField(label="Panel", any_label="All panels")
    day = DayField(label="From")
    ticked = CheckField(label="Ticked")

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        field = self.fields["panel_id"]
        assert isinstance(field, IdChoiceField)
        field.offer([(3, "Alpha"), (4, "Beta")])


def applied(query: str) -> dict[str, object]:
    return SomeFilters(QueryDict(query)).applied()


def test_each_refused_value_falls_back_to_its_default_alone() -> None:
    assert applied("q=a%00b+++c&panel=+03+&from=2025-03-01&ticked=on") == {
        "q": "ab c",
        "panel_id": 3,
        "day": date(2025, 3, 1),
        "ticked": True,
    }
    assert applied("q=" + "x" * 50 + "&panel=5&from=2025-3-1&ticked=maybe") == {
        "q": "x" * 10,
        "panel_id": None,
        "day": None,
        "ticked": False,
    }
    assert applied("panel=abc&from=0001-01-01&ticked=TRUE") == {
        "q": "",
        "panel_id": None,
        "day": None,
        "ticked": True,
    }


def test_the_canonical_query_has_the_applied_values_under_their_parameter_names() -> None:
    form = SomeFilters(QueryDict("ticked=1&panel=04&from=2025-03-01&q=+hi+&junk=1"))
    assert form.query().urlencode() == "q=hi&panel=4&from=2025-03-01&ticked=yes"
    assert SomeFilters(QueryDict("panel=9&ticked=no")).query().urlencode() == ""
