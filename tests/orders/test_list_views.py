"""The order list: filters, search, sorting, pages, counts, the rows partial and its polling,
the CSV export, and "Refresh selected" against a simulated panel."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

_seq = count(1)
LIST = "/orders/"


def text(html: str) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def shown_ids(html: str) -> list[int]:
    """The orders in the table, in their order."""
    return [int(pk) for pk in re.findall(r'name="ids" value="(\d+)"', html)]


@pytest.fixture
def shop() -> dict[str, object]:
    """Two panels, three services, and one order of each kind the filters tell apart."""
    alpha = PanelFactory(name="Alpha SMM", currency="USD")
    beta = PanelFactory(name="Beta Boost", currency="EUR")
    followers = ServiceFactory(panel=alpha, name="Instagram Followers")
    likes = ServiceFactory(panel=alpha, name="Instagram Likes")
    views = ServiceFactory(panel=beta, name="TikTok Views", type="package")
    now = timezone.now()
    orders = {
        "queued": OrderFactory(
            service=followers, state=Order.State.QUEUED, link="https://instagram.com/queued"
        ),
        "pending": OrderFactory(
            service=followers,
            state=Order.State.PLACED,
            status="pending",
            remote_id="77001",
            charge=Decimal("1.500000000000"),
        ),
        "completed": OrderFactory(
            service=likes,
            state=Order.State.PLACED,
            status="completed",
            remote_id="77002",
            charge=Decimal("0.25"),
            created_at=now - timedelta(days=10),
        ),
        "unknown": OrderFactory(
            service=likes,
            state=Order.State.UNKNOWN,
            source=Order.Source.CSV,
            link="https://instagram.com/unsure",
        ),
        "package": OrderFactory(
            service=views,
            state=Order.State.PLACED,
            status="partial",
            order_type="package",
            remote_id="9001",
            quantity=None,
            charge=Decimal("7"),
            currency="EUR",
            created_at=now - timedelta(days=40),
        ),
        "rejected": OrderFactory(
            service=views,
            state=Order.State.REJECTED,
            order_type="package",
            source=Order.Source.MASS,
            last_error="Not enough funds.",
        ),
    }
    return {
        "alpha": alpha,
        "beta": beta,
        "followers": followers,
        "likes": likes,
        "views": views,
        "orders": orders,
    }


def ids_of(shop: dict[str, object], *names: str) -> set[int]:
    orders: dict[str, Order] = shop["orders"]  # type: ignore[assignment]
    return {orders[name].pk for name in names}


# ---- Login --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LIST, "/orders/export.csv"])
def test_it_needs_a_login(client: Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_refresh_needs_a_login(client: Client) -> None:
    response = client.post("/orders/refresh/", {"ids": ["1"]})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_routes_are_where_the_brief_says() -> None:
    assert reverse("orders:list") == "/orders/"
    assert reverse("orders:export") == "/orders/export.csv"
    assert reverse("orders:refresh_selected") == "/orders/refresh/"


# ---- The page -----------------------------------------------------------------------------------


def test_it_lists_every_order_newest_first(logged_in: Client, shop: dict) -> None:
    response = logged_in.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    orders = shop["orders"]
    assert shown_ids(html) == [
        orders[n].pk for n in ("rejected", "unknown", "pending", "queued", "completed", "package")
    ]
    assert "6 orders" in html
    assert "Alpha SMM" in html
    assert "Instagram Followers" in html
    assert "1.50" in html
    assert "1.500000000000" not in html  # money without storage padding
    assert "77001" in html
    pending = orders["pending"].pk
    assert f'<a class="order-id" href="/orders/{pending}/">#{pending}</a>' in html


def test_it_escapes_what_panels_and_users_wrote(logged_in: Client) -> None:
    panel = PanelFactory(name="<b>Evil</b> Panel")
    service = ServiceFactory(panel=panel, name="<script>alert(1)</script>")
    OrderFactory(
        service=service,
        link="javascript:alert(2)//<img src=x onerror=alert(3)>",
        state=Order.State.REJECTED,
        last_error="<i>no</i>",
    )
    User.objects.create_user("<u>mallory</u>")

    html = logged_in.get(LIST).content.decode()

    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>Evil</b>" not in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html  # only http(s) links are links
    assert "<i>no</i>" not in html


def test_it_marks_orders_that_need_attention_with_what_to_do(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST).content.decode()
    unknown = shop["orders"]["unknown"]
    assert html.count('class="attention-row"') == 1
    assert f'id="order-{unknown.pk}" class="order-row row-attention' in html
    assert "Look for it on the panel's site by its link before ordering again" in html


# ---- Filters ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"state": "placed"}, ("pending", "completed", "package")),
        ({"state": "unknown"}, ("unknown",)),
        ({"status": "completed"}, ("completed",)),
        ({"status": "partial"}, ("package",)),
        ({"type": "package"}, ("package", "rejected")),
        ({"source": "csv"}, ("unknown",)),
        ({"source": "mass"}, ("rejected",)),
        ({"attention": "yes"}, ("unknown",)),
        ({"state": "placed", "status": "pending"}, ("pending",)),
    ],
)
def test_each_filter_narrows_the_list(
    logged_in: Client, shop: dict, query: dict[str, str], expected: tuple[str, ...]
) -> None:
    html = logged_in.get(LIST, query).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, *expected)
    assert f"{len(expected)} order{'s' if len(expected) != 1 else ''} found" in html


def test_it_filters_by_panel_and_service(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST, {"panel": shop["beta"].pk}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "package", "rejected")

    html = logged_in.get(LIST, {"service": shop["likes"].pk}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "completed", "unknown")
    # A service implies its panel: the panel is chosen, its ordered services are offered.
    assert f'<option value="{shop["alpha"].pk}" selected>' in html
    assert f'<option value="{shop["likes"].pk}" selected>Instagram Likes</option>' in html
    assert "TikTok Views</option>" not in html

    # A service of another panel than the one chosen is dropped, the panel stays.
    query = {"panel": shop["beta"].pk, "service": shop["likes"].pk}
    html = logged_in.get(LIST, query).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "package", "rejected")


def test_it_filters_by_date_range(logged_in: Client, shop: dict) -> None:
    today = timezone.localdate()
    week_ago = (today - timedelta(days=7)).isoformat()
    html = logged_in.get(LIST, {"from": week_ago}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "queued", "pending", "unknown", "rejected")

    eleven = (today - timedelta(days=11)).isoformat()
    nine = (today - timedelta(days=9)).isoformat()
    html = logged_in.get(LIST, {"from": eleven, "to": nine}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "completed")
    # The wrong way round still means the same range.
    html = logged_in.get(LIST, {"from": nine, "to": eleven}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "completed")

    html = logged_in.get(LIST, {"to": (today - timedelta(days=30)).isoformat()}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "package")


def test_the_date_range_is_whole_days_of_the_site_time_zone(logged_in: Client, settings) -> None:
    settings.TIME_ZONE = "Asia/Tokyo"
    timezone.activate("Asia/Tokyo")
    try:
        service = ServiceFactory(panel=PanelFactory())
        tokyo = timezone.get_current_timezone()
        late = OrderFactory(service=service, created_at=datetime(2025, 3, 1, 23, 30, tzinfo=tokyo))
        next_day = OrderFactory(
            service=service, created_at=datetime(2025, 3, 2, 0, 10, tzinfo=tokyo)
        )
        html = logged_in.get(LIST, {"from": "2025-03-01", "to": "2025-03-01"}).content.decode()
        assert shown_ids(html) == [late.pk]
        html = logged_in.get(LIST, {"from": "2025-03-02"}).content.decode()
        assert shown_ids(html) == [next_day.pk]
    finally:
        timezone.deactivate()


# ---- Search -------------------------------------------------------------------------------------


def test_it_searches_by_link(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST, {"q": "instagram.com/UNSURE"}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "unknown")
    assert 'value="instagram.com/UNSURE"' in html


def test_it_searches_by_the_panels_order_id_and_ours(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST, {"q": "77002"}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "completed")

    html = logged_in.get(LIST, {"q": " 9001 "}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "package")

    pending = shop["orders"]["pending"]
    html = logged_in.get(LIST, {"q": f"#{pending.pk}"}).content.decode()
    assert set(shown_ids(html)) == {pending.pk}


def test_a_search_looks_inside_links_from_three_characters(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST, {"q": "in"}).content.decode()
    assert shown_ids(html) == []
    html = logged_in.get(LIST, {"q": "uns"}).content.decode()
    assert set(shown_ids(html)) == ids_of(shop, "unknown")


def test_a_search_without_result_says_so(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST, {"q": "nothing-like-this"}).content.decode()
    assert shown_ids(html) == []
    assert "No order matches" in html


def test_an_empty_list_explains_itself(logged_in: Client) -> None:
    html = logged_in.get(LIST).content.decode()
    assert "No orders yet" in html


# ---- Sorting ------------------------------------------------------------------------------------


def test_it_sorts(logged_in: Client, shop: dict) -> None:
    orders = shop["orders"]
    html = logged_in.get(LIST, {"sort": "-charge"}).content.decode()
    charged = [orders[n].pk for n in ("package", "pending", "completed")]
    assert shown_ids(html)[:3] == charged  # 7, 1.5, 0.25, then the ones without a charge

    html = logged_in.get(LIST, {"sort": "charge"}).content.decode()
    assert shown_ids(html)[:3] == charged[::-1]

    html = logged_in.get(LIST, {"sort": "created"}).content.decode()
    assert shown_ids(html)[:2] == [orders["package"].pk, orders["completed"].pk]
    assert 'aria-sort="ascending"' in html

    html = logged_in.get(LIST, {"sort": "-quantity"}).content.decode()
    assert shown_ids(html)[-1] == orders["package"].pk  # no quantity: last


def test_column_headers_sort_and_reverse(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST, {"state": "placed"}).content.decode()
    assert 'href="/orders/?state=placed&amp;sort=-charge"' in html
    html = logged_in.get(LIST, {"state": "placed", "sort": "-charge"}).content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="/orders/?state=placed&amp;sort=charge"' in html


# ---- Pages and bad parameters -------------------------------------------------------------------


def many_orders(count: int) -> None:
    service = ServiceFactory(panel=PanelFactory())
    Order.objects.bulk_create(
        [
            Order(panel=service.panel, service=service, link=f"https://x.example/{n}")
            for n in range(count)
        ]
    )


def test_it_pages_fifty_at_a_time(logged_in: Client) -> None:
    many_orders(120)
    first = logged_in.get(LIST).content.decode()
    assert len(shown_ids(first)) == 50
    assert "1–50 · page 1 of 3" in first
    assert 'href="/orders/?page=2" rel="next"' in first

    third = logged_in.get(LIST, {"page": "3"}).content.decode()
    assert len(shown_ids(third)) == 20
    everything = shown_ids(first) + shown_ids(logged_in.get(LIST, {"page": 2}).content.decode())
    assert len(set(everything + shown_ids(third))) == 120

    past_the_end = logged_in.get(LIST, {"page": "999999"}).content.decode()
    assert shown_ids(past_the_end) == shown_ids(third)


@pytest.mark.parametrize(
    "query",
    [
        {"page": "abc"},
        {"page": "-1"},
        {"page": "0"},
        {"page": "1e9"},
        {"page": "9" * 40},
        {"panel": "abc"},
        {"panel": "999999"},
        {"panel": "-3"},
        {"service": "99999999"},
        {"service": "1.5"},
        {"state": "bogus"},
        {"status": "<script>"},
        {"type": "nope"},
        {"source": "x"},
        {"sort": "password"},
        {"sort": "-id;drop"},
        {"from": "2025-13-45"},
        {"from": "yesterday"},
        {"to": "99999-01-01"},
        {"from": "0001-01-01"},
        {"to": "9999-12-31"},
        {"q": "a\x00b"},
        {"q": "x" * 5000},
        {"q": "%_\\'\""},
        {"attention": "maybe"},
        {"q": "#99999999999999999999999"},
    ],
)
def test_bad_parameters_never_fail(logged_in: Client, shop: dict, query: dict) -> None:
    response = logged_in.get(LIST, query)
    assert response.status_code == 200
    assert logged_in.get("/orders/export.csv", query).status_code == 200


def test_an_invalid_filter_value_is_dropped_quietly(logged_in: Client, shop: dict) -> None:
    # The bogus state and day are ignored; the valid source filter still applies.
    query = {"state": "bogus", "from": "2025-13-45", "attention": "maybe", "source": "mass"}
    response = logged_in.get(LIST, query)
    html = response.content.decode()
    assert response.status_code == 200
    assert set(shown_ids(html)) == ids_of(shop, "rejected")
    assert '<option value="mass" selected>' in html
    assert '<option value="">Any state</option>' in html
    assert 'value="bogus"' not in html  # the bar shows what was applied, not what was typed
    assert 'value="2025-13-45"' not in html
    attention = re.search(r'<input[^>]* name="attention"[^>]*>', html)
    assert attention
    assert "checked" not in attention.group(0)
    assert "aria-invalid" not in html
    assert "error" not in text(html.split('id="order-filters"', 1)[1].split("</form>", 1)[0])
    # The address bar gets the filters that were applied.
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/"}
    response = logged_in.get(LIST, query, headers=headers)
    assert response["HX-Push-Url"] == "/orders/?source=mass"


def test_a_page_past_the_end_shows_the_last_page(logged_in: Client) -> None:
    many_orders(110)
    last = shown_ids(logged_in.get(LIST, {"page": "3"}).content.decode())
    assert len(last) == 10

    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/"}
    response = logged_in.get(LIST, {"page": "4"}, headers=headers)
    html = response.content.decode()
    assert shown_ids(html) == last
    assert "101–110 · page 3 of 3" in html
    assert 'rel="next"' not in html
    assert response["HX-Push-Url"] == "/orders/?page=3"  # the page shown, not the one asked


# ---- Counts per state and status ----------------------------------------------------------------


def chip(html: str, label: str) -> str:
    match = re.search(rf'>{re.escape(label)} <span class="chip-n">([\d,]+)</span>', html)
    assert match, f"no chip {label!r}"
    return match.group(1)


def test_it_counts_orders_per_state_and_status(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST).content.decode()
    assert chip(html, "All") == "6"
    assert chip(html, "Placed") == "3"
    assert chip(html, "Queued") == "1"
    assert chip(html, "Outcome unknown") == "1"
    assert chip(html, "Submitting") == "0"
    assert chip(html, "Pending") == "1"
    assert chip(html, "Completed") == "1"
    assert 'class="chip chip-count chip-danger"' in html  # unknown orders draw the eye

    # Counts follow the other filters, and each chip keeps them.
    html = logged_in.get(LIST, {"panel": shop["alpha"].pk, "state": "placed"}).content.decode()
    assert chip(html, "All") == "4"
    assert chip(html, "Placed") == "2"
    assert chip(html, "Any") == "2"
    assert f'href="/orders/?panel={shop["alpha"].pk}&amp;state=unknown"' in html
    assert "2 orders found" in html


# ---- HTMX: the rows partial and its polling -----------------------------------------------------


def test_htmx_gets_only_the_results(logged_in: Client, shop: dict) -> None:
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/"}
    response = logged_in.get(LIST, {"state": "placed"}, headers=headers)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="order-filters"' not in html
    assert html.lstrip().startswith('<section id="order-results"')
    assert set(shown_ids(html)) == ids_of(shop, "pending", "completed", "package")
    assert response["HX-Push-Url"] == "/orders/?state=placed"
    assert "HX-Request" in response["Vary"]


def test_a_change_of_panel_refreshes_the_service_choices(logged_in: Client, shop: dict) -> None:
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/orders/"}
    html = logged_in.get(LIST, {"panel": shop["beta"].pk}, headers=headers).content.decode()
    assert 'id="f-service-field" class="field of-service" hx-swap-oob="true"' in html
    assert "TikTok Views</option>" in html


def test_the_list_refreshes_itself_only_while_orders_may_change(logged_in: Client) -> None:
    service = ServiceFactory(panel=PanelFactory())
    OrderFactory(service=service, state=Order.State.PLACED, status="completed", remote_id="1")
    OrderFactory(service=service, state=Order.State.REJECTED)
    html = logged_in.get(LIST).content.decode()
    assert 'hx-trigger="every' not in html
    assert "Updates itself" not in html

    live = OrderFactory(
        service=service, state=Order.State.PLACED, status="in_progress", remote_id="2"
    )
    html = logged_in.get(LIST).content.decode()
    assert 'hx-get="/orders/" hx-trigger="every 15s"' in html
    # ...but not when the live order is filtered away
    html = logged_in.get(LIST, {"status": "completed"}).content.decode()
    assert 'hx-trigger="every' not in html

    # The poll itself: the same rows, no new history entry; it stops once all are final.
    headers = {
        "HX-Request": "true",
        "HX-Trigger": "order-results",
        "HX-Current-URL": "http://testserver/orders/",
    }
    response = logged_in.get(LIST, headers=headers)
    assert "HX-Push-Url" not in response
    assert 'hx-trigger="every 15s"' in response.content.decode()
    Order.objects.filter(pk=live.pk).update(status="completed")
    response = logged_in.get(LIST, headers=headers)
    assert 'hx-trigger="every' not in response.content.decode()


def test_checkboxes_survive_a_refresh(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST).content.decode()
    pk = shop["orders"]["pending"].pk
    assert f'id="sel-{pk}" name="ids" value="{pk}" hx-preserve="true"' in html


# ---- The query count does not grow with the orders ----------------------------------------------


def test_the_query_count_does_not_grow_with_orders(
    logged_in: Client, django_assert_max_num_queries, django_assert_num_queries
) -> None:
    panels = [PanelFactory(currency="USD") for _ in range(3)]
    services = [ServiceFactory(panel=panel) for panel in panels]

    def populate(n: int) -> None:
        for i in range(n):
            OrderFactory(
                service=services[i % 3],
                state=Order.State.PLACED,
                status="pending",
                remote_id=str(next(_seq)),
                charge=Decimal("0.5"),
                placed_by=User.objects.get(username="alice"),
            )

    populate(5)
    logged_in.get(LIST)  # warm up
    with django_assert_max_num_queries(6) as few:
        assert logged_in.get(LIST).status_code == 200
    populate(55)
    with django_assert_num_queries(len(few.captured_queries)):
        assert logged_in.get(LIST).status_code == 200
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        assert logged_in.get(LIST, {"service": services[0].pk, "page": 2}).status_code == 200


# ---- CSV export ---------------------------------------------------------------------------------


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_it_exports_the_current_filter(logged_in: Client, shop: dict) -> None:
    response = logged_in.get("/orders/export.csv", {"panel": shop["alpha"].pk, "state": "placed"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="orders-[\d-]+\.csv"', response["Content-Disposition"]
    )
    rows = read_csv(response)
    orders = shop["orders"]
    assert [int(r["Order"]) for r in rows] == [orders["pending"].pk, orders["completed"].pk]
    assert rows[0]["Panel"] == "Alpha SMM"
    assert rows[0]["Charge"] == "1.50"  # exact, without the storage padding
    assert rows[1]["Charge"] == "0.25"
    assert rows[0]["Status"] == "pending"
    assert rows[0]["Panel order ID"] == "77001"


def test_the_list_links_to_the_export_of_its_filter(logged_in: Client, shop: dict) -> None:
    html = logged_in.get(LIST, {"state": "placed", "q": "instagram"}).content.decode()
    assert 'href="/orders/export.csv?q=instagram&amp;state=placed"' in html


def test_the_export_neutralises_formulas_and_keeps_money_exact(logged_in: Client) -> None:
    panel = PanelFactory(name='=HYPERLINK("http://evil")', currency="USD")
    service = ServiceFactory(panel=panel, name="+cmd|' /C calc'!A0")
    attacks = ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]
    for n, link in enumerate(attacks):
        OrderFactory(
            service=service,
            link=link,
            state=Order.State.PLACED,
            remote_id=f"r{n}",
            charge=Decimal("0.001250000000"),
            start_count=-5,
        )

    rows = read_csv(logged_in.get("/orders/export.csv", {"sort": "created"}))

    assert [r["Link"] for r in rows] == ["'=1+1", "'+1", "'-2+3", "'@SUM(A1)", "'\tx", "'\r=1"]
    assert {r["Panel"] for r in rows} == {'\'=HYPERLINK("http://evil")'}
    assert {r["Service"] for r in rows} == {"'+cmd|' /C calc'!A0"}
    assert {r["Charge"] for r in rows} == {"0.00125"}
    assert {r["Start count"] for r in rows} == {"-5"}  # our own numbers stay numbers


def test_a_custom_comments_order_shows_its_number_of_comments(logged_in: Client) -> None:
    service = ServiceFactory(
        panel=PanelFactory(currency="USD"), name="Instagram Custom Comments", type="custom_comments"
    )
    comments = "Love it\n\n  So good  \nWow\r\nNice"  # a blank line is not a comment
    order = OrderFactory(
        service=service, order_type="custom_comments", quantity=None, params={"comments": comments}
    )

    html = logged_in.get(LIST).content.decode()
    cell = html.split(f'id="order-{order.pk}"', 1)[1].split('class="num cell-charge"', 1)[0]
    assert '<span class="quantity">4</span><span class="per-unit">comments</span>' in cell
    (row,) = read_csv(logged_in.get("/orders/export.csv"))
    assert row["Quantity"] == "4"


def test_the_list_shows_the_whole_link(logged_in: Client) -> None:
    link = "https://www.instagram.com/p/C1a2B3c4D5e/?img_index=3&utm_source=ig_web_copy_link"
    OrderFactory(service=ServiceFactory(panel=PanelFactory()), link=link)
    html = logged_in.get(LIST).content.decode()
    assert f">{link.replace('&', '&amp;')}</a>" in html


def test_money_reads_the_same_in_the_list_the_order_and_the_export(logged_in: Client) -> None:
    service = ServiceFactory(panel=PanelFactory(currency="USD"))
    big = OrderFactory(
        service=service,
        state=Order.State.PLACED,
        remote_id="1",
        currency="USD",
        charge=Decimal("1000.000000000000"),
    )
    OrderFactory(
        service=service,
        state=Order.State.PLACED,
        remote_id="2",
        currency="USD",
        charge=Decimal("2.222500000000"),
    )

    listed = text(logged_in.get(LIST).content.decode())
    assert "1,000.00 USD" in listed
    assert "2.2225 USD" in listed
    page = text(logged_in.get(f"/orders/{big.pk}/").content.decode())
    assert "Charged 1,000.00 USD" in page
    rows = read_csv(logged_in.get("/orders/export.csv", {"sort": "created"}))
    assert [r["Charge"] for r in rows] == ["1000.00", "2.2225"]  # plain numbers in a file


def test_the_export_has_every_order_not_just_one_page(logged_in: Client) -> None:
    service = ServiceFactory(panel=PanelFactory())
    Order.objects.bulk_create([Order(panel=service.panel, service=service) for _ in range(130)])
    assert len(read_csv(logged_in.get("/orders/export.csv"))) == 130


# ---- Refresh selected ---------------------------------------------------------------------------


def test_refresh_without_a_selection_says_what_to_do(logged_in: Client) -> None:
    response = logged_in.post("/orders/refresh/", {"next": "/orders/?state=placed"})
    assert response.status_code == 302
    assert response.url == "/orders/?state=placed"
    html = logged_in.get(response.url).content.decode()
    assert "Select the orders to refresh first" in html


def test_refresh_goes_back_only_to_the_order_list(logged_in: Client) -> None:
    for bad in ("https://evil.example/orders/", "//evil.example/", "/admin/", "javascript:x"):
        response = logged_in.post("/orders/refresh/", {"next": bad})
        assert response.url == "/orders/"


def test_refresh_is_post_only(logged_in: Client) -> None:
    assert logged_in.get("/orders/refresh/").status_code == 405


def test_refresh_selected_asks_the_panel(logged_in: Client, panel, sim) -> None:
    from tests.orders.helpers import place, service_of

    service = service_of(panel, "default")
    placed = place(service)
    assert placed.state == Order.State.PLACED
    queued = OrderFactory(service=service, state=Order.State.QUEUED)
    Order.objects.filter(pk=placed.pk).update(status="", status_checked_at=None)

    headers = {"HX-Request": "true"}
    response = logged_in.post(
        "/orders/refresh/",
        {"ids": [str(placed.pk), str(queued.pk), "junk", "-1"], "next": "/orders/?sort=created"},
        headers=headers,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="order-results"')
    assert "Asked the panel about 1 order: 1 changed." in html
    assert "1 of the selected orders is not placed on a panel" in html
    placed.refresh_from_db()
    assert placed.status != ""
    assert placed.status_checked_at is not None
    assert shown_ids(html) == [placed.pk, queued.pk]  # the list as it was: oldest first


def test_refresh_reports_a_panel_that_does_not_answer(logged_in: Client, settings) -> None:
    settings.PANEL_HTTP_RETRIES = 0
    panel = PanelFactory(name="Down Panel")
    panel.api_url = "http://127.0.0.1:9/api/v2"  # nothing listens on the discard port
    panel.timeout_seconds = 1
    panel.save()
    order = OrderFactory(
        service=ServiceFactory(panel=panel), state=Order.State.PLACED, remote_id="5"
    )

    response = logged_in.post("/orders/refresh/", {"ids": [order.pk]}, follow=True)

    html = response.content.decode()
    assert "No panel answered; nothing was refreshed." in html
    assert "Down Panel did not answer" in html


@pytest.mark.parametrize(
    "sort", ["-created", "created", "-charge", "charge", "-quantity", "quantity"]
)
def test_every_page_read_from_either_end_is_the_same_order(sort: str) -> None:
    from orders.selectors import OrderFilters, order_page, order_search

    service = ServiceFactory(panel=PanelFactory())
    start = timezone.now() - timedelta(days=1)
    for n in range(23):
        OrderFactory(
            service=service,
            charge=Decimal(n % 5) if n % 4 else None,
            quantity=None if n % 6 == 0 else 100 * (n % 3),
            created_at=start + timedelta(minutes=n // 2),
        )
    filters = OrderFilters(sort=sort)
    expected = [o.pk for o in order_search(filters=filters)]

    pages = [
        order_page(filters=filters, offset=offset, limit=5, total=23) for offset in range(0, 23, 5)
    ]

    assert [o.pk for page in pages for o in page] == expected
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    assert order_page(filters=filters, offset=25, limit=5, total=23) == []
