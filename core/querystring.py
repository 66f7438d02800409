"""Reading list pages' GET parameters safely, and building their links back.

Shared by the catalog browser and the order list: anything unexpected in the query string is
ignored, never an error. Their filters are read by forms (core.listforms); what is here is the
page number, the canonical query string, and the links that change one parameter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.urls import reverse
from django_htmx.middleware import HtmxDetails


def partial_wanted(htmx: HtmxDetails) -> bool:
    # A history restore (back button after the snapshot was evicted) needs the whole page.
    return bool(htmx) and not htmx.history_restore_request


def positive_int(value: str) -> int | None:
    """1, 2, 3... from the text; None for anything else (0, signs, huge or non-ASCII digits)."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) == 0:
        return None
    return int(value)


def whole_number(value: str) -> int | None:
    """0, 1, 2... from the text; None for anything else (signs, huge or non-ASCII digits)."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)


def get_page(paginator: Paginator, value: str) -> Page:
    """The page `value` asks for, by `Paginator.get_page`: a number past the end gives the last
    page; anything that is not a page number (0, signs, "2.5", non-ASCII digits) the first."""
    value = value.strip()
    if not (value.isascii() and value.isdigit()) or not value.strip("0"):
        return paginator.get_page(1)
    # A huge number is past the end: never converted (Python refuses over 4300 digits).
    return paginator.get_page(value if len(value) <= 9 else paginator.num_pages + 1)


def canonical(values: Mapping[str, object]) -> QueryDict:
    """The values that are set ("" and None are not), in this order, as a query string."""
    query = QueryDict(mutable=True)
    for name, value in values.items():
        if value not in ("", None):
            query[name] = str(value)
    return query


def href(url_name: str, query: QueryDict) -> str:
    """The list page named `url_name` with this query string (none when it is empty)."""
    encoded = query.urlencode()
    base = reverse(url_name)
    return f"{base}?{encoded}" if encoded else base


def page_links(params: QueryDict, page: Page, url_name: str) -> dict[str, str | None]:
    """First, previous, next and last page, each keeping the filters; None where pointless."""

    def link(number: int) -> str:
        query = params.copy()
        query.pop("page", None)
        if number > 1:
            query["page"] = str(number)
        return href(url_name, query)

    last = page.paginator.num_pages
    return {
        "first": link(1) if page.number > 2 else None,
        "previous": link(page.number - 1) if page.has_previous() else None,
        "next": link(page.number + 1) if page.has_next() else None,
        "last": link(last) if page.number < last - 1 else None,
    }


@dataclass(frozen=True)
class SortColumn:
    key: str
    href: str
    state: str  # "ascending", "descending" or "" (aria-sort)


def sort_columns(
    params: QueryDict,
    current: str,
    *,
    columns: Iterable[tuple[str, str, str]],
    default: str,
    url_name: str,
) -> dict[str, SortColumn]:
    """Header links, back on page 1. Each column is (key, the sort a first click gives, the
    sort a click on the sorted column gives): a second click reverses where it can."""
    links = {}
    for key, first, second in columns:
        target = second if current == first else first
        state = ""
        if current in (first, second):
            state = "descending" if current.startswith("-") else "ascending"
        query = params.copy()
        query.pop("page", None)
        if target == default:
            query.pop("sort", None)
        else:
            query["sort"] = target
        links[key] = SortColumn(key, href(url_name, query), state)
    return links
