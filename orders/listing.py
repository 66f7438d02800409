"""The order list's parts: its filters (read by the form in orders.list_filters), sort and page
links, count chips, table rows, and the page context. No request handling here.

Pages: while the list is counted exactly (COUNT_CAP orders at most) they are numbered, as
`?page=3`. Past that the count says "more than COUNT_CAP" and a page is the 50 orders after the
last one of the page before (`?after=<its key>`), or before the first one of the page after
(`?before=`), or the last ones (`?page=last`): each read from the sort's index, so the
thousandth page costs what the first does. `at` carries how many orders lie before the page
when that is known, for "10,051–10,100" (it never changes which orders are shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

from core import querystring
from core.counting import count_cap, count_text, is_capped
from orders.list_counts import ListCounts, order_list_counts
from orders.list_filters import OrderFilterForm
from orders.list_sorts import key_text, parse_key
from orders.models import STATUS_CHOICES, Order
from orders.profit import order_profits
from orders.rows import detail_url_maker, order_row
from orders.selectors import (
    DEFAULT_ORDER_SORT,
    OrderFilters,
    order_key,
    order_page,
    order_page_from,
    order_panel_choices,
    order_service_choices,
)

PER_PAGE = 50


LIST_URL = "orders:list"


MAX_SELECTED = 500


# While a visible order may still change, the rows ask for themselves again this often.
POLL_SECONDS = 15


RESULTS_ID = "order-results"  # the element that polls: its requests are not navigation


# Sortable columns: (column, the sort a first click gives, the sort a second click gives).
SORT_COLUMNS = (("created", "-created", "created"), ("quantity", "-quantity", "quantity"),
                ("charge", "-charge", "charge"))  # fmt: skip


def _reverse_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def parse_filters(params: QueryDict) -> tuple[OrderFilters, OrderFilterForm]:
    """The filters the parameters ask for, keeping only values that exist (a service implies
    its panel), and the form that read them. One query, one more when a service is asked for."""
    form = OrderFilterForm(params, panels=order_panel_choices())
    return form.filters(), form


def _with(params: QueryDict, **changes: str) -> str:
    """The list's URL with some parameters changed ("" removes one), back on page 1."""
    query = params.copy()
    query.pop("page", None)
    for name, value in changes.items():
        if value:
            query[name] = value
        else:
            query.pop(name, None)
    return querystring.href(LIST_URL, query)


@dataclass(frozen=True)
class Chip:
    value: str
    label: str
    count: int | None  # past COUNT_CAP: more than COUNT_CAP; None: not counted
    href: str
    current: bool
    kind: str = ""  # "danger" draws the eye (orders that need a person)

    @property
    def text(self) -> str:
        return "" if self.count is None else count_text(self.count)

    @property
    def capped(self) -> bool:
        return self.count is not None and is_capped(self.count)


def state_chips(params: QueryDict, filters: OrderFilters, counts: ListCounts) -> list[Chip]:
    per_state = counts.per_state
    chips = [
        Chip(
            "",
            "All",
            counts.everything,
            _with(params, state="", attention=""),
            not filters.state and not filters.attention,
        )
    ]
    for state, label in Order.State.choices:
        count = None if per_state is None else per_state[state]
        chips.append(
            Chip(
                state,
                label,
                count,
                _with(params, state=state, attention=""),
                filters.state == state and not filters.attention,
                "danger" if state == Order.State.UNKNOWN and count else "",
            )
        )
    return chips


def status_chips(params: QueryDict, filters: OrderFilters, counts: ListCounts) -> list[Chip]:
    """The statuses that occur (all of them when not counted), "Any" first."""
    per_status = counts.per_status
    if per_status is not None and not per_status and not filters.status:
        return []
    chips = [Chip("", "Any", counts.any_status, _with(params, status=""), not filters.status)]
    for status, label in STATUS_CHOICES:
        if per_status is None or status in per_status or status == filters.status:
            chips.append(
                Chip(
                    status,
                    label,
                    None if per_status is None else per_status.get(status, 0),
                    _with(params, status=status),
                    filters.status == status,
                )
            )
    return chips


@dataclass(frozen=True)
class Notice:
    """What "Refresh selected" did, in a sentence or two."""

    level: str  # success, warning, error
    text: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paging:
    """One page of the list: its orders, where it stands, and the links to the others."""

    orders: list[Order]
    start: int | None  # the place of its first order (1 = the first); None when unknown
    number: int | None  # the page's number; None when unknown
    pages: int | None  # how many pages; None when the list is not counted exactly
    is_last: bool
    links: dict[str, str | None]  # first, previous, next, last
    here: dict[str, str]  # the parameters that show this page again

    @property
    def end(self) -> int | None:
        return None if self.start is None else self.start + len(self.orders) - 1

    @property
    def status(self) -> str:
        """What the pager says between its buttons."""
        if self.number is not None and self.pages is not None:
            return f"Page {self.number:,} of {self.pages:,}"
        if self.number is not None:
            return f"Page {self.number:,}"
        return "Last page" if self.is_last else ""


def _link(canonical: QueryDict, **values: str) -> str:
    query = canonical.copy()
    for name, value in values.items():
        query[name] = value
    return querystring.href(LIST_URL, query)


def _numbered(asked: QueryDict, canonical: QueryDict, filters: OrderFilters, total: int) -> Paging:
    """A list counted exactly: numbered pages (a number past the end shows the last page)."""
    paginator = Paginator(range(total), PER_PAGE)
    number = asked.get("page", "").strip()
    page = querystring.get_page(paginator, str(paginator.num_pages) if number == "last" else number)
    orders = order_page(
        filters=filters, offset=(page.number - 1) * PER_PAGE, limit=PER_PAGE, total=total
    )
    return Paging(
        orders=orders,
        start=page.start_index(),
        number=page.number,
        pages=paginator.num_pages,
        is_last=not page.has_next(),
        links=querystring.page_links(canonical, page, LIST_URL),
        here={"page": str(page.number)} if page.number > 1 else {},
    )


def _keyset(asked: QueryDict, canonical: QueryDict, filters: OrderFilters) -> Paging:
    """A list of more than COUNT_CAP orders: the pages after or before an order's key, the last
    page, and (a short skip) the first COUNT_CAP / PER_PAGE pages by number."""
    sort = filters.sort
    after = parse_key(sort, asked.get("after", ""))
    before = None if after is not None else parse_key(sort, asked.get("before", ""))
    at = querystring.whole_number(asked.get("at", ""))
    number_text = asked.get("page", "").strip()
    number = querystring.positive_int(number_text)
    last = number_text == "last" or (number is not None and (number - 1) * PER_PAGE >= count_cap())
    here: dict[str, str] = {}
    if after is not None:
        orders, has_after = order_page_from(filters=filters, key=after, limit=PER_PAGE)
        has_before, at = True, (at or None)  # something lies before the key: not the start
        here = {"after": key_text(after)}
    elif before is not None:
        orders, has_before = order_page_from(
            filters=filters, key=before, limit=PER_PAGE, backwards=True
        )
        has_after, at = True, (at if has_before else 0)
        here = {"before": key_text(before)}
    elif last:
        orders, has_before = order_page_from(
            filters=filters, key=None, limit=PER_PAGE, backwards=True
        )
        has_after, at = False, (None if has_before else 0)
        here = {"page": "last"}
    else:
        at = ((number or 1) - 1) * PER_PAGE
        orders, has_after = order_page_from(filters=filters, key=None, limit=PER_PAGE, skip=at)
        has_before = at > 0
        here = {"page": str(number)} if at else {}
    if (at == 0 and len(orders) < PER_PAGE and has_after) or (not orders and (at or here)):
        # Back at the start with less than a page (or past the end: orders deleted since, an
        # address made up): the first page. One query more, on such a page only.
        orders, has_after = order_page_from(filters=filters, key=None, limit=PER_PAGE)
        at, has_before, here = 0, False, {}
    if at is not None and ("after" in here or "before" in here):
        here["at"] = str(at)
    links: dict[str, str | None] = dict.fromkeys(("first", "previous", "next", "last"))
    if orders and has_before:
        if at is not None and at <= PER_PAGE:
            links["previous"] = _link(canonical)  # the page before is the first
        else:
            links["first"] = _link(canonical)
            earlier = {"at": str(at - PER_PAGE)} if at is not None else {}
            links["previous"] = _link(
                canonical, before=key_text(order_key(orders[0], sort)), **earlier
            )
    if orders and has_after:
        later = {"at": str(at + len(orders))} if at is not None else {}
        links["next"] = _link(canonical, after=key_text(order_key(orders[-1], sort)), **later)
        links["last"] = _link(canonical, page="last")
    return Paging(
        orders=orders,
        start=None if at is None else at + 1,
        number=None if at is None else at // PER_PAGE + 1,
        pages=None,
        is_last=not has_after,
        links=links,
        here=here,
    )


def list_context(params: QueryDict) -> dict[str, Any]:
    """Everything the list shows for these GET parameters. A fixed number of queries: the
    panels, the counts (which give the total too) and one page of rows; the chosen panel's
    services and the chosen service's panel when there are."""
    filters, form = parse_filters(params)
    form.offer_services(
        order_service_choices(panel_id=filters.panel_id) if filters.panel_id is not None else []
    )
    canonical = form.query()
    counts = order_list_counts(filters=filters)
    total = counts.total
    capped = is_capped(total)
    paging = (
        _keyset(params, canonical, filters)
        if capped
        else _numbered(params, canonical, filters, total)
    )
    orders = paging.orders
    detail_url = detail_url_maker()
    # Profit only where there is a sale price: no rates are read for a page without one.
    profits = order_profits(orders) if any(o.sale_price is not None for o in orders) else {}
    rows = [order_row(order, detail_url, profits.get(order.pk)) for order in orders]
    here = canonical.copy()
    for name, value in paging.here.items():
        here[name] = value
    export_query = canonical.urlencode()
    export_url = _reverse_or_empty("orders:export")
    return {
        "form": form,
        "filters": filters,
        "params": canonical,
        "paging": paging,
        "rows": rows,
        "total": total,
        "total_text": count_text(total),
        "capped": capped,
        "count_cap": count_cap(),
        "counts_capped": counts.capped,
        "counted_per_state": counts.per_state is not None,
        "state_chips": state_chips(canonical, filters, counts),
        "status_chips": status_chips(canonical, filters, counts),
        "columns": querystring.sort_columns(
            canonical,
            filters.sort,
            columns=SORT_COLUMNS,
            default=DEFAULT_ORDER_SORT,
            url_name=LIST_URL,
        ),
        "pages": paging.links,
        "is_filtered": any(name != "sort" for name in canonical),
        "live": any(row.is_live for row in rows),
        "poll_seconds": POLL_SECONDS,
        "here": querystring.href(LIST_URL, here),
        "export_url": f"{export_url}?{export_query}" if export_url and export_query else export_url,
        "refresh_url": _reverse_or_empty("orders:refresh_selected"),
    }
