"""The order list's parts: its filters (read by the form in orders.list_filters), sort and page
links, count chips, table rows, and the page context. No request handling here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.core.paginator import Paginator
from django.http import QueryDict
from django.urls import NoReverseMatch, reverse

from core import querystring
from orders.list_filters import OrderFilterForm
from orders.models import STATUS_CHOICES, Order
from orders.profit import order_profits
from orders.rows import detail_url_maker, order_row
from orders.selectors import (
    DEFAULT_ORDER_SORT,
    OrderFilters,
    StatusCounts,
    order_page,
    order_panel_choices,
    order_service_choices,
    order_status_counts,
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
    count: int
    href: str
    current: bool
    kind: str = ""  # "danger" draws the eye (orders that need a person)


def state_chips(params: QueryDict, filters: OrderFilters, counts: StatusCounts) -> list[Chip]:
    per_state = counts.per_state(filters)
    everything = replace(filters, state="", attention=False)
    chips = [
        Chip(
            "",
            "All",
            counts.total(everything),
            _with(params, state="", attention=""),
            not filters.state and not filters.attention,
        )
    ]
    for state, label in Order.State.choices:
        chips.append(
            Chip(
                state,
                label,
                per_state[state],
                _with(params, state=state, attention=""),
                filters.state == state and not filters.attention,
                "danger" if state == Order.State.UNKNOWN and per_state[state] else "",
            )
        )
    return chips


def status_chips(params: QueryDict, filters: OrderFilters, counts: StatusCounts) -> list[Chip]:
    per_status = counts.per_status(filters)
    if not per_status and not filters.status:
        return []
    anything = replace(filters, status="")
    chips = [Chip("", "Any", counts.total(anything), _with(params, status=""), not filters.status)]
    for status, label in STATUS_CHOICES:
        if status in per_status or status == filters.status:
            chips.append(
                Chip(
                    status,
                    label,
                    per_status.get(status, 0),
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


def list_context(params: QueryDict) -> dict[str, Any]:
    """Everything the list shows for these GET parameters. A fixed number of queries: the
    panels, the counts (which give the total too) and one page of rows; the chosen panel's
    services and the chosen service's panel when there are."""
    filters, form = parse_filters(params)
    form.offer_services(
        order_service_choices(panel_id=filters.panel_id) if filters.panel_id is not None else []
    )
    canonical = form.query()
    counts = order_status_counts(filters=filters)
    total = counts.total(filters)
    # The counts hold the total, so the paginator only does the arithmetic (no COUNT query);
    # the rows of the page come from `order_page`.
    paginator = Paginator(range(total), PER_PAGE)
    page = querystring.get_page(paginator, params.get("page", ""))
    orders = order_page(
        filters=filters, offset=(page.number - 1) * PER_PAGE, limit=PER_PAGE, total=total
    )
    detail_url = detail_url_maker()
    # Profit only where there is a sale price: no rates are read for a page without one.
    profits = order_profits(orders) if any(o.sale_price is not None for o in orders) else {}
    rows = [order_row(order, detail_url, profits.get(order.pk)) for order in orders]
    here = canonical.copy()
    if page.number > 1:
        here["page"] = str(page.number)
    export_query = canonical.urlencode()
    export_url = _reverse_or_empty("orders:export")
    return {
        "form": form,
        "filters": filters,
        "params": canonical,
        "page": page,
        "rows": rows,
        "total": total,
        "state_chips": state_chips(canonical, filters, counts),
        "status_chips": status_chips(canonical, filters, counts),
        "columns": querystring.sort_columns(
            canonical,
            filters.sort,
            columns=SORT_COLUMNS,
            default=DEFAULT_ORDER_SORT,
            url_name=LIST_URL,
        ),
        "pages": querystring.page_links(canonical, page, LIST_URL),
        "is_filtered": any(name != "sort" for name in canonical),
        "live": any(row.is_live for row in rows),
        "poll_seconds": POLL_SECONDS,
        "here": querystring.href(LIST_URL, here),
        "export_url": f"{export_url}?{export_query}" if export_url and export_query else export_url,
        "refresh_url": _reverse_or_empty("orders:refresh_selected"),
    }
