"""The order list's parts: query string to filters and back, sort and page links, count
chips, table rows, and the page context. No request handling here."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

from core import querystring
from orders.models import STATUS_CHOICES, Order
from orders.rows import (
    STATUS_LABELS,
    TYPE_LABELS,
    detail_url_maker,
    order_row,
)
from orders.selectors import (
    DEFAULT_ORDER_SORT,
    ORDER_SORTS,
    OrderFilters,
    StatusCounts,
    order_page,
    order_panel_choices,
    order_service_choices,
    order_service_panel,
    order_status_counts,
)
from panels.models import ORDER_TYPE_CHOICES

PER_PAGE = 50


MAX_QUERY_LENGTH = 200
LIST_URL = "orders:list"


MAX_SELECTED = 500


# While a visible order may still change, the rows ask for themselves again this often.
POLL_SECONDS = 15


RESULTS_ID = "order-results"  # the element that polls: its requests are not navigation


DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


# Days a date filter accepts: anything wider is no filter (and stays clear of date overflows).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


YES = frozenset({"yes", "on", "1", "true"})


STATE_VALUES = frozenset(Order.State.values)


SORT_LABELS = {
    "-created": "Newest first",
    "created": "Oldest first",
    "-charge": "Charge: high to low",
    "charge": "Charge: low to high",
    "-quantity": "Quantity: high to low",
    "quantity": "Quantity: low to high",
}


# Sortable columns: (column, the sort a first click gives, the sort a second click gives).
SORT_COLUMNS = (("created", "-created", "created"), ("quantity", "-quantity", "quantity"),
                ("charge", "-charge", "charge"))  # fmt: skip


def _reverse_or_empty(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


def _day(value: str) -> date | None:
    value = value.strip()
    if not DATE_RE.fullmatch(value):
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


@dataclass(frozen=True)
class Facets:
    """The choices the filter form offers that come from the database."""

    panels: list[tuple[int, str]]
    services: list[tuple[int, str]]  # the chosen panel's services that have orders


def parse_filters(params: QueryDict) -> tuple[OrderFilters, Facets]:
    """The filters the parameters ask for, keeping only values that exist. A service implies
    its panel. One query, two more when a panel or service is chosen."""
    panels = order_panel_choices()
    panel_id = querystring.positive_int(params.get("panel", ""))
    if panel_id not in {pk for pk, _ in panels}:
        panel_id = None
    service_id = querystring.positive_int(params.get("service", ""))
    if service_id is not None:
        service_panel = order_service_panel(service_id=service_id)
        if service_panel is None or (panel_id is not None and service_panel != panel_id):
            service_id = None
        else:
            panel_id = service_panel
    date_from, date_to = _day(params.get("from", "")), _day(params.get("to", ""))
    if date_from and date_to and date_from > date_to:
        date_from, date_to = date_to, date_from
    type_, state, status = params.get("type", ""), params.get("state", ""), params.get("status", "")
    source, sort = params.get("source", ""), params.get("sort", "")
    filters = OrderFilters(
        q=querystring.clean_text(params, "q", MAX_QUERY_LENGTH),
        panel_id=panel_id,
        service_id=service_id,
        type=type_ if type_ in TYPE_LABELS else "",
        state=state if state in STATE_VALUES else "",
        status=status if status in STATUS_LABELS else "",
        date_from=date_from,
        date_to=date_to,
        source=source if source in Order.Source.values else "",
        attention=params.get("attention", "").strip().lower() in YES,
        sort=sort if sort in ORDER_SORTS else DEFAULT_ORDER_SORT,
    )
    services = order_service_choices(panel_id=panel_id) if panel_id is not None else []
    return filters, Facets(panels=panels, services=services)


def filter_params(filters: OrderFilters) -> QueryDict:
    """The filters as a query string, without defaults: the canonical URL of a result page."""
    params = QueryDict(mutable=True)
    values: dict[str, object] = {
        "q": filters.q,
        "panel": filters.panel_id,
        "service": filters.service_id,
        "type": filters.type,
        "state": filters.state,
        "status": filters.status,
        "from": filters.date_from.isoformat() if filters.date_from else "",
        "to": filters.date_to.isoformat() if filters.date_to else "",
        "source": filters.source,
        "attention": "yes" if filters.attention else "",
        "sort": "" if filters.sort == DEFAULT_ORDER_SORT else filters.sort,
    }
    for name, value in values.items():
        if value not in ("", None):
            params[name] = str(value)
    return params


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
class SortColumn:
    key: str
    href: str
    state: str  # "ascending", "descending" or "" (aria-sort)


def sort_columns(params: QueryDict, current: str) -> dict[str, SortColumn]:
    """Header links: a click sorts by the column, a second click reverses it."""
    columns = {}
    for key, first, second in SORT_COLUMNS:
        target = second if current == first else first
        state = ""
        if current in (first, second):
            state = "descending" if current.startswith("-") else "ascending"
        sort = "" if target == DEFAULT_ORDER_SORT else target
        columns[key] = SortColumn(key, _with(params, sort=sort), state)
    return columns


@dataclass(frozen=True)
class Chip:
    value: str
    label: str
    count: int
    href: str
    current: bool
    kind: str = ""  # "danger" draws the eye (orders that need a person)


def state_chips(params: QueryDict, filters: OrderFilters, counts: StatusCounts) -> list[Chip]:
    per_state = counts.per_state(filters)
    everything = replace(filters, state="", attention=False)
    chips = [Chip("", "All", counts.total(everything), _with(params, state="", attention=""),
                  not filters.state and not filters.attention)]  # fmt: skip
    for state, label in Order.State.choices:
        chips.append(Chip(
            state, label, per_state[state], _with(params, state=state, attention=""),
            filters.state == state and not filters.attention,
            "danger" if state == Order.State.UNKNOWN and per_state[state] else "",
        ))  # fmt: skip
    return chips


def status_chips(params: QueryDict, filters: OrderFilters, counts: StatusCounts) -> list[Chip]:
    per_status = counts.per_status(filters)
    if not per_status and not filters.status:
        return []
    anything = replace(filters, status="")
    chips = [Chip("", "Any", counts.total(anything), _with(params, status=""), not filters.status)]
    for status, label in STATUS_CHOICES:
        if status in per_status or status == filters.status:
            chips.append(Chip(status, label, per_status.get(status, 0),
                              _with(params, status=status), filters.status == status))  # fmt: skip
    return chips


@dataclass(frozen=True)
class Notice:
    """What "Refresh selected" did, in a sentence or two."""

    level: str  # success, warning, error
    text: str
    details: tuple[str, ...] = ()


def list_context(params: QueryDict) -> dict[str, Any]:
    """Everything the list shows for these GET parameters. A fixed number of queries: the
    panels, the counts (which give the total too) and one page of rows; the chosen panel's
    services and the chosen service's panel when there are."""
    filters, facets = parse_filters(params)
    canonical = filter_params(filters)
    counts = order_status_counts(filters=filters)
    total = counts.total(filters)
    # The counts hold the total, so the paginator only does the arithmetic (no COUNT query);
    # the rows of the page come from `order_page`.
    paginator = Paginator(range(total), PER_PAGE)
    page = paginator.page(querystring.page_number(params.get("page", ""), paginator.num_pages))
    orders = order_page(filters=filters, offset=(page.number - 1) * PER_PAGE, limit=PER_PAGE,
                        total=total)  # fmt: skip
    detail_url = detail_url_maker()
    rows = [order_row(order, detail_url) for order in orders]
    here = canonical.copy()
    if page.number > 1:
        here["page"] = str(page.number)
    export_query = canonical.urlencode()
    export_url = _reverse_or_empty("orders:export")
    return {
        "filters": filters,
        "facets": facets,
        "params": canonical,
        "type_choices": ORDER_TYPE_CHOICES,
        "state_choices": Order.State.choices,
        "status_choices": STATUS_CHOICES,
        "source_choices": Order.Source.choices,
        "sort_choices": [(key, SORT_LABELS[key]) for key in ORDER_SORTS],
        "page": page,
        "rows": rows,
        "total": total,
        "state_chips": state_chips(canonical, filters, counts),
        "status_chips": status_chips(canonical, filters, counts),
        "columns": sort_columns(canonical, filters.sort),
        "pages": querystring.page_links(canonical, page, LIST_URL),
        "is_filtered": any(name != "sort" for name in canonical),
        "live": any(row.is_live for row in rows),
        "poll_seconds": POLL_SECONDS,
        "here": querystring.href(LIST_URL, here),
        "export_url": f"{export_url}?{export_query}" if export_url and export_query else export_url,
        "refresh_url": _reverse_or_empty("orders:refresh_selected"),
    }
