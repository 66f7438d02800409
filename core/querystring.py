"""Reading list pages' GET parameters safely, and building their links back.

Shared by the catalog browser and the order list: anything unexpected in the query string is
ignored, never an error.
"""

from __future__ import annotations

from django.core.paginator import Page
from django.http import QueryDict
from django.urls import reverse
from django_htmx.middleware import HtmxDetails


def partial_wanted(htmx: HtmxDetails) -> bool:
    # A history restore (back button after the snapshot was evicted) needs the whole page.
    return bool(htmx) and not htmx.history_restore_request


def clean_text(params: QueryDict, name: str, limit: int) -> str:
    """The parameter with NUL bytes dropped, white space folded, and cut to `limit`."""
    value = params.get(name, "")
    return " ".join(value.replace("\x00", "").split())[:limit]


def positive_int(value: str) -> int | None:
    """1, 2, 3... from the text; None for anything else (0, signs, huge or non-ASCII digits)."""
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9 or int(value) == 0:
        return None
    return int(value)


def page_number(value: str, last: int) -> int:
    """1 for anything that is not a page number; the last page for any number past it."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) > 9:
        return last  # a huge number is past the end, never converted
    return max(1, min(positive_int(value) or 1, last))


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
