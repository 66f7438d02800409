"""Reads for the order pages.

The order list: search and filters (`order_search`), its pages (by number while the list is
counted exactly, after an order's key past that: `order_page`, `order_page_from`), the choices
its filters offer, and the rows of its CSV export. Its counts are orders.list_counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Case,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.lookups import GreaterThan, LessThan
from django.utils import timezone

from core.filtering import where_chosen
from orders.charges import charge_off_q
from orders.links import target_key
from orders.list_sorts import (
    DEFAULT_SORT,
    SORTS,
    Key,
    Row,
    key_expressions,
    key_values,
    ordering,
    row_key,
)
from orders.models import CANCEL_KINDS, RUNNING_ORDER, BulkItem, Order
from panels.api.normalise import Status
from panels.api.order_types import ORDER_TYPES, split_lines
from panels.models import Panel, Service

# ---- The order list ----------------------------------------------------------------------

# Orders that need a person: the outcome of sending them is unknown, or something was raised
# on them (a late answer that may mean a double purchase) and nobody acknowledged it yet.
# A running order flagged stuck (orders/services/stuck.py) needs a person too.
ATTENTION_STATES = frozenset({Order.State.UNKNOWN})
STUCK = ~Q(stuck="") & RUNNING_ORDER
RAISED = ~Q(attention="") | STUCK

# The sorts the list offers (orders/list_sorts.py: each one's key and index). Empty charges and
# quantities go last whichever way their column is sorted; ties go newest first.
ORDER_SORTS = tuple(SORTS)
DEFAULT_ORDER_SORT = DEFAULT_SORT
MAX_SEARCH_WORDS = 4
MIN_LINK_PART = 3


@dataclass(frozen=True)
class OrderFilters:
    """What the order list shows. Every field is optional; the defaults show every order."""

    q: str = ""  # a link (or part of one), the panel's order id, or "#<our id>"
    panel_id: int | None = None
    service_id: int | None = None
    type: str = ""
    state: str = ""  # ours
    status: str = ""  # the panel's
    date_from: date | None = None  # created on or after this day (in the site's time zone)
    date_to: date | None = None  # created on or before this day
    source: str = ""
    attention: bool = False
    charge_off: bool = False  # the charge differs from the estimate (orders.charges)
    sort: str = DEFAULT_ORDER_SORT


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _search(q: str) -> Q:
    """Every word must match: a part of the link (three characters at least: shorter parts
    match nearly every link), the panel's order id, or our "#id"."""
    condition = Q()
    for word in q.split()[:MAX_SEARCH_WORDS]:
        match = Q(remote_id=word)
        if len(word) >= MIN_LINK_PART:
            match |= Q(link__icontains=word)
        digits = word.removeprefix("#")
        if digits.isascii() and digits.isdigit() and len(digits) <= 18:
            match |= Q(pk=int(digits))
        condition &= match
    return condition


def filtered_orders(filters: OrderFilters, *, with_state: bool = True) -> QuerySet[Order]:
    """Orders matching the filters; without our state, the panel's status and "needs
    attention" when `with_state` is false (what the counts per state are counted over)."""
    orders = where_chosen(
        Order.objects.order_by(),
        panel_id=filters.panel_id,
        service_id=filters.service_id,
        order_type=filters.type,
        source=filters.source,
    )
    if filters.q:
        orders = orders.filter(_search(filters.q))
    if filters.charge_off:
        orders = orders.filter(charge_off_q())
    if filters.date_from is not None:
        orders = orders.filter(created_at__gte=_start_of(filters.date_from))
    if filters.date_to is not None:
        orders = orders.filter(created_at__lt=_start_of(filters.date_to + timedelta(days=1)))
    if with_state:
        orders = where_chosen(orders, state=filters.state, status=filters.status)
        if filters.attention:
            orders = orders.filter(Q(state__in=ATTENTION_STATES) | RAISED)
    return orders


def _counted_lines() -> Case:
    """The list whose lines are a per-line order's quantity (the comments of Custom Comments,
    the usernames of Mentions Custom List): such an order has no `quantity` of its own, and
    the list and its export show the number of lines instead. NULL for every other type."""
    whens = [
        When(order_type=spec.key, then=KT(f"params__{spec.counted_field}"))
        for spec in ORDER_TYPES.values()
        if spec.counted_field
    ]
    return Case(*whens, default=Value(None), output_field=TextField())


def _with_relations(orders: QuerySet[Order]) -> QuerySet[Order]:
    # raw_status (the panel's whole answer) and params are not shown in lists.
    return (
        orders.select_related("panel", "service", "placed_by")
        .defer("raw_status", "params")
        .annotate(counted_lines=_counted_lines())
    )


def order_search(*, filters: OrderFilters) -> QuerySet[Order]:
    """The orders the list shows, in its order, with their panel, service and who placed
    them."""
    return _with_relations(filtered_orders(filters)).order_by(*ordering(filters.sort))


def _rows_of(page_ids: QuerySet[Order, Any], sort: str, *, backwards: bool = False) -> list[Order]:
    return list(
        _with_relations(Order.objects.filter(pk__in=page_ids)).order_by(
            *ordering(sort, backwards=backwards)
        )
    )


def order_page(*, filters: OrderFilters, offset: int, limit: int, total: int) -> list[Order]:
    """One page of `order_search` by its place, in one query (for a list counted exactly:
    `total` is its length).

    The page's ids are found first on the orders table alone (no joins for the rows skipped),
    and a page past the middle is read from the end, so no page skips more than half of the
    orders.
    """
    limit = max(0, min(limit, total - offset))
    if limit == 0 or offset < 0:
        return []
    from_end = total - offset - limit
    backwards = from_end < offset
    skip = from_end if backwards else offset
    page_ids = (
        filtered_orders(filters)
        .order_by(*ordering(filters.sort, backwards=backwards))
        .values("pk")[skip : skip + limit]
    )
    return _rows_of(page_ids, filters.sort)


def order_key(order: Order, sort: str) -> Key:
    """Where `order` stands in the sort (orders.list_sorts.row_key)."""
    column = SORTS.get(sort, SORTS[DEFAULT_ORDER_SORT]).column
    value = getattr(order, column.field) if column else None
    return row_key(sort, created_at=order.created_at, pk=order.pk, value=value)


def order_page_from(
    *,
    filters: OrderFilters,
    key: Key | None,
    limit: int,
    backwards: bool = False,
    skip: int = 0,
) -> tuple[list[Order], bool]:
    """Up to `limit` orders of `order_search` right after the row whose key is `key` (from the
    start without one, past the first `skip`); with `backwards`, the `limit` orders right
    before it (the last ones without one), still in the list's order. Also says whether more
    orders lie that way.

    One query however deep the page: "after this key" is one row comparison, which an index
    on the sort's key (orders.list_sorts) seeks to.
    """
    sort = filters.sort if filters.sort in SORTS else DEFAULT_ORDER_SORT
    ids = filtered_orders(filters)
    if key is not None:
        # The key's parts all go one way; reading backwards turns "after" into "before".
        descending = SORTS[sort].descending != backwards
        compare = LessThan if descending else GreaterThan
        ids = ids.filter(compare(Row(*key_expressions(sort)), key_values(key)))
    page_ids = ids.order_by(*ordering(sort, backwards=backwards)).values("pk")[
        skip : skip + limit + 1
    ]
    rows = _rows_of(page_ids, sort, backwards=backwards)
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    return rows, more


def order_panel_choices() -> list[tuple[int, str]]:
    """Every panel, active or not (old orders may belong to a retired one). One query."""
    return list(Panel.objects.order_by("name", "pk").values_list("pk", "name"))


def order_service_choices(*, panel_id: int) -> list[tuple[int, str]]:
    """The panel's services that have orders, by name. One query."""
    ordered = Order.objects.filter(service_id=OuterRef("pk"))
    return list(
        Service.objects.filter(panel_id=panel_id)
        .filter(Exists(ordered))
        .order_by("name", "pk")
        .values_list("pk", "name")
    )


def order_service_panel(*, service_id: int) -> int | None:
    """The panel of a service (a filter by service implies its panel); None if unknown."""
    return Service.objects.filter(pk=service_id).values_list("panel_id", flat=True).first()


# ---- The CSV export -----------------------------------------------------------------------

CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "Order"),
    ("created_at", "Created"),
    ("panel__name", "Panel"),
    ("service__remote_id", "Service ID"),
    ("service__name", "Service"),
    ("order_type", "Type"),
    ("link", "Link"),
    ("quantity", "Quantity"),
    ("runs", "Runs"),
    ("interval", "Interval (min)"),
    ("state", "State"),
    ("status", "Status"),
    ("status_raw", "Status (as the panel says)"),
    ("remote_id", "Panel order ID"),
    ("charge", "Charge"),
    ("estimated_cost", "Estimated cost"),
    ("currency", "Currency"),
    ("refund", "Refund owed"),
    ("sale_price", "Sale price (base currency)"),
    ("customer_ref", "Customer"),
    ("start_count", "Start count"),
    ("remains", "Remains"),
    ("source", "Source"),
    ("placed_by__username", "Placed by"),
    ("placed_at", "Placed"),
    ("finished_at", "Finished"),
    ("last_error", "Last error"),
)
CSV_CHUNK = 2000


def order_csv_rows(*, filters: OrderFilters) -> Iterator[tuple[Any, ...]]:
    """Every order matching the filters, in the list's order, as typed values in the order of
    `CSV_COLUMNS`. Streams from the database in chunks."""
    fields = [name for name, _ in CSV_COLUMNS]
    at = fields.index("quantity")
    orders = filtered_orders(filters).annotate(counted_lines=_counted_lines())
    rows = orders.order_by(*ordering(filters.sort)).values_list(*fields, "counted_lines")
    for *row, counted in rows.iterator(chunk_size=CSV_CHUNK):
        if row[at] is None and counted is not None:
            row[at] = len(split_lines(counted))  # what the panel delivers: one per line
        yield tuple(row)


# ---- Order entry and the order page --------------------------------------------------------

# Orders that hold a link on their panel: still to be sent, being sent, outcome unknown, or
# placed and not finished. A panel refuses a second active order on the same link.
ENTRY_ACTIVE_STATES = (Order.State.QUEUED, Order.State.SUBMITTING, Order.State.UNKNOWN)


def active_order_q() -> Q:
    """Orders that may still be active on their panel: queued, being sent, outcome unknown,
    or placed and not final. The panel refuses a second such order on the same link."""

    return Q(state__in=ENTRY_ACTIVE_STATES) | (
        Q(state=Order.State.PLACED) & ~Q(status__in=Status.FINAL)
    )


def active_order_for_link(*, panel: Panel | int, link: str) -> Order | None:
    """The newest order on this panel for the link (or, for subscriptions, the username) that
    may still be active there; None if there is none. Links are compared by their key
    (orders.links.target_key: `x.com/a/` and `https://x.com/a?utm_source=b` are one target).
    One query."""
    key = target_key(link=link)
    if not key:
        return None
    return (
        Order.objects.filter(active_order_q(), panel=panel, link_key=key)
        .order_by("-created_at", "-pk")
        .only(
            "pk",
            "state",
            "status",
            "remote_id",
            "created_at",
            "link",
            "panel_id",
            "upload_id",
            "source",
        )
        .first()
    )


def order_detail(*, pk: int) -> Order | None:
    """One order with everything its page shows: panel, service, who placed it, the attempt
    it repeats, its status history, refills and later attempts. Five queries."""
    return (
        Order.objects.select_related("panel", "service", "placed_by", "retry_of")
        .prefetch_related("status_changes", "refills", "retries")
        .filter(pk=pk)
        .first()
    )


def order_id_for_client_ref(*, client_ref: uuid.UUID) -> int | None:
    """The order a form with this reference already queued, if any. One query."""
    return Order.objects.filter(client_ref=client_ref).values_list("pk", flat=True).first()


def order_last_cancel(*, order: Order) -> BulkItem | None:
    """The latest request to cancel this order that was (or is being) sent to its panel, with
    the panel's answer; None if it was never asked. Requests the order was not eligible for
    never reached the panel and are not answers. One query."""
    return (
        BulkItem.objects.filter(order=order, bulk__kind__in=CANCEL_KINDS)
        .exclude(outcome=BulkItem.Outcome.SKIPPED)
        .select_related("bulk")
        .order_by("-bulk__created_at", "-pk")
        .first()
    )
