"""The order list past its count cap: "more than N", pages after an order's key (every order
once, in order, either way), the same queries on every page however deep, and the indexes
PostgreSQL reads them from.

The cap (core.counting.COUNT_CAP, 10,000) and the page size (50) are lowered here, so a few
dozen orders make a "long" list.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from html import unescape
from itertools import count

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core import counting
from orders import listing
from orders.list_sorts import SORT_INDEXES, SORTS, key_text, parse_key
from orders.models import Order
from orders.selectors import OrderFilters, order_key, order_page_from, order_search
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

LIST = "/orders/"
CAP, PER_PAGE, ORDERS = 10, 5, 23
_seq = count(1)


def shown_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', html)]


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def link(html: str, rel: str) -> str | None:
    """The pager's link of that name ("next", "prev", "First", "Last"), or None."""
    if rel in ("next", "prev"):
        found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    else:
        found = re.search(rf'href="([^"]+)">[^<]*{rel}', html)
    return unescape(found.group(1)) if found else None


@pytest.fixture
def long_list(monkeypatch) -> list[Order]:
    """23 orders, more than the cap of 10, with ties and empty values in every sort: equal
    moments, equal charges and quantities, orders without a charge or a quantity."""
    monkeypatch.setattr(counting, "COUNT_CAP", CAP)
    monkeypatch.setattr(listing, "PER_PAGE", PER_PAGE)
    service = ServiceFactory(panel=PanelFactory(currency="USD"))
    start = timezone.now() - timedelta(days=2)
    return [
        OrderFactory(
            service=service,
            state=Order.State.PLACED,
            status="completed" if n % 3 else "pending",
            remote_id=str(next(_seq)),
            charge=Decimal(n % 5) / 4 if n % 4 else None,
            quantity=None if n % 6 == 0 else 100 * (n % 3),
            created_at=start + timedelta(minutes=n // 2),  # two orders a minute: ties
        )
        for n in range(ORDERS)
    ]


def expected(sort: str) -> list[int]:
    return [o.pk for o in order_search(filters=OrderFilters(sort=sort))]


@pytest.mark.parametrize("sort", list(SORTS))
def test_next_walks_every_order_once_in_order_and_previous_walks_back(
    logged_in: Client, long_list, sort: str
) -> None:
    url: str | None = LIST + ("" if sort == "-created" else f"?sort={sort}")
    forward: list[int] = []
    metas = []
    while url:
        html = logged_in.get(url).content.decode()
        forward += shown_ids(html)
        metas.append(text(html).split("More than 10 orders", 1)[1].strip()[:40])
        url = link(html, "next")
    assert forward == expected(sort)
    assert metas[0].startswith("1–5 of more than 10 · page 1")
    assert metas[1].startswith("6–10 of more than 10 · page 2")
    assert metas[-1].startswith("21–23 of more than 10 · page 5")

    html = logged_in.get(LIST, {"sort": sort, "page": "last"}).content.decode()
    assert "The last 5 of more than 10" in text(html)
    assert link(html, "next") is None
    backward = shown_ids(html)
    url = link(html, "prev")
    while url:
        html = logged_in.get(url).content.decode()
        page = shown_ids(html)
        # Pages read from the end do not line up with those from the start: back at the
        # start, the first page is whole, and repeats what the page after it showed.
        backward = page + [pk for pk in backward if pk not in page]
        url = link(html, "prev")
    assert backward == expected(sort)
    assert "1–5 of more than 10 · page 1" in text(html)  # back at the start, and it knows it
    assert link(html, "First") is None


def test_a_long_list_says_more_than_the_cap_everywhere(logged_in: Client, long_list) -> None:
    html = logged_in.get(LIST).content.decode()
    page = text(html)
    assert "More than 10 orders" in page
    assert "Counts stop at 10: “10+” means more than that." in page
    assert re.search(r'>All <span class="chip-n" title="More than 10: [^"]*">10\+</span>', html)
    assert '>Queued <span class="chip-n">0</span>' in html  # a small count stays exact
    assert "Select all matching (more than 10)" in page
    assert "Export all (more than 10) to CSV" in page
    assert "Page 1" in page
    assert link(html, "Last") == "/orders/?page=last"


def test_a_filter_no_index_serves_shows_no_counts_per_state(logged_in: Client, long_list) -> None:
    html = logged_in.get(LIST, {"q": "instagram"}).content.decode()
    page = text(html)
    assert "More than 10 orders found" in page
    assert "too many to count per state and status with this filter" in page
    assert re.search(r">Placed</a>", html)  # a link, without a number
    assert len(shown_ids(html)) == PER_PAGE


def test_a_short_filter_of_a_long_list_is_counted_and_numbered(
    logged_in: Client, long_list
) -> None:
    html = logged_in.get(LIST, {"status": "pending"}).content.decode()
    assert "8 orders found" in text(html)  # n % 3 == 0 of 23
    assert "1–5 · page 1 of 2" in text(html)
    assert link(html, "next") == "/orders/?status=pending&page=2"


def test_the_page_shown_goes_into_the_address_bar(logged_in: Client, long_list) -> None:
    first = logged_in.get(LIST).content.decode()
    after = link(first, "next")
    assert after
    assert re.fullmatch(r"/orders/\?after=\d+_\d+&at=5", after)
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/"}
    response = logged_in.get(after, headers=headers)
    assert response["HX-Push-Url"] == after
    # A poll of that page asks for the same page.
    assert f'hx-get="{after.replace("&", "&amp;")}"' in response.content.decode() or (
        "hx-trigger" not in response.content.decode()
    )


@pytest.mark.parametrize(
    "query",
    [
        {"after": "abc"},
        {"after": "1_2_3_4"},
        {"after": "9" * 40 + "_1"},
        {"after": "-99999999999999999999_1"},
        {"after": "1e9_1"},
        {"before": "1_" + "9" * 25},
        {"after": "x_1_2", "sort": "-charge"},
        {"after": "NaN_1_2", "sort": "charge"},
        {"after": "1e400_1_2", "sort": "-charge"},
        {"after": "99999999999999999999_1_2", "sort": "quantity"},
        {"at": "-5"},
        {"page": "last", "after": "1_1"},
        {"page": "99999"},
    ],
)
def test_a_page_address_that_is_not_one_never_fails(
    logged_in: Client, long_list, query: dict
) -> None:
    response = logged_in.get(LIST, query)
    assert response.status_code == 200
    assert shown_ids(response.content.decode())


def test_a_key_reads_back_as_written() -> None:
    moment = timezone.now()
    for sort in SORTS:
        column = SORTS[sort].column
        value = (Decimal("-1.250000000000") if column.money else -3) if column else None
        key = (value, moment, 42) if column else (moment, 42)
        assert parse_key(sort, key_text(key)) == key


# ---- Queries: a fixed number on every page, however deep and however many orders ---------------


def queries_of(client: Client, url: str) -> int:
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_every_page_of_a_long_list_costs_the_same_queries(logged_in: Client, long_list) -> None:
    first = logged_in.get(LIST).content.decode()
    second = link(first, "next")
    last = logged_in.get(LIST, {"page": "last"}).content.decode()
    before_last = link(last, "prev")
    assert second
    assert before_last
    few = queries_of(logged_in, LIST)
    # session, user, panels, the counts, one page of rows
    assert few == 5
    for url in (second, before_last, f"{LIST}?page=last", f"{LIST}?page=2"):
        assert queries_of(logged_in, url) == few, url

    service = ServiceFactory(panel=PanelFactory())
    for _ in range(40):
        OrderFactory(service=service, state=Order.State.QUEUED)
    for url in (LIST, second, before_last, f"{LIST}?page=last"):
        assert queries_of(logged_in, url) == few, url


def test_a_short_and_a_long_list_cost_the_same_queries(logged_in: Client, monkeypatch) -> None:
    """The same page below the cap (numbered pages) and past it (pages by key)."""
    monkeypatch.setattr(counting, "COUNT_CAP", CAP)
    service = ServiceFactory(panel=PanelFactory())
    for _ in range(CAP - 2):
        OrderFactory(service=service, state=Order.State.PLACED, status="pending")
    urls = [LIST, f"{LIST}?panel={service.panel_id}", f"{LIST}?state=placed&status=pending"]
    short = [queries_of(logged_in, url) for url in urls]
    for _ in range(CAP * 2):
        OrderFactory(service=service, state=Order.State.PLACED, status="pending")
    assert [queries_of(logged_in, url) for url in urls] == short


# ---- The selectors: pages after and before a key ------------------------------------------------


@pytest.mark.parametrize("sort", list(SORTS))
def test_pages_by_key_read_from_either_end_are_the_list(long_list, sort: str) -> None:
    filters = OrderFilters(sort=sort)
    pages, key, more = [], None, True
    while more:
        rows, more = order_page_from(filters=filters, key=key, limit=4)
        pages.append([o.pk for o in rows])
        key = order_key(rows[-1], sort)
    assert [pk for page in pages for pk in page] == expected(sort)
    assert [len(page) for page in pages] == [4, 4, 4, 4, 4, 3]

    back, key, more = [], None, True
    while more:
        rows, more = order_page_from(filters=filters, key=key, limit=4, backwards=True)
        back = [o.pk for o in rows] + back
        key = order_key(rows[0], sort)
    assert back == expected(sort)


# ---- PostgreSQL reads each sort's pages from its index --------------------------------------


@pytest.mark.parametrize("sort", list(SORTS))
def test_postgresql_seeks_each_sorts_page_in_its_index(long_list, sort: str) -> None:
    """The expressions the list sorts by are those the indexes are built on: a page after a key
    is an index scan from that key, with no sort of the orders (a typo in one expression and
    PostgreSQL would sort every order instead)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's plans")
    from orders.list_sorts import Row, key_expressions, key_values, ordering

    index = {s: name for name, s in SORT_INDEXES}.get(sort, "order_created_id")
    key = order_key(long_list[7], sort)
    descending = SORTS[sort].descending
    from django.db.models.lookups import GreaterThan, LessThan

    compare = LessThan if descending else GreaterThan
    page = (
        Order.objects.filter(compare(Row(*key_expressions(sort)), key_values(key)))
        .order_by(*ordering(sort))
        .values("pk")[:51]
    )
    sql, params = page.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f" using {index} on orders_order" in plan, plan
    assert "Index Cond: (ROW(" in plan, plan
    assert "Sort" not in plan, plan
