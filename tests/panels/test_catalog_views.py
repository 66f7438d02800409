"""Catalog pages: the browser (search, filters, sort, pages, HTMX), a service with its history
and comparison, the changes feed, and the latest changes on the overview."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import partial
from itertools import count

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from panels.models import CatalogEvent, Panel, Service
from panels.presenters import change_line
from panels.selectors.catalog import OFFERS_PER_PANEL
from tests.factories import PanelFactory, ServiceFactory

# Catalogs as a sync leaves them: a currency, a sync time, services without a category.
make_panel = partial(PanelFactory, currency="USD", synced=True)
make_service = partial(ServiceFactory, rate=Decimal("1.00"), category="")

pytestmark = pytest.mark.django_db

Kind = CatalogEvent.Kind
EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
_seq = count(1)


def make_event(
    service: Service, kind: str, *, ago: timedelta | None = None, **fields: object
) -> CatalogEvent:
    event = CatalogEvent.objects.create(panel=service.panel, service=service, kind=kind, **fields)
    if ago is not None:
        CatalogEvent.objects.filter(pk=event.pk).update(created_at=timezone.now() - ago)
        event.refresh_from_db()
    return event


def price_change(service: Service, old: str, new: str, **kwargs: object) -> CatalogEvent:
    change = ((Decimal(new) - Decimal(old)) / Decimal(old)).quantize(Decimal("0.0001"))
    return make_event(
        service,
        Kind.RATE_CHANGED,
        old_rate=Decimal(old),
        new_rate=Decimal(new),
        rate_change=change,
        **kwargs,
    )


def text(html: str) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    words = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    return re.sub(r" ([:,.)])", r"\1", words)


def results_names(html: str) -> list[str]:
    return re.findall(r'class="service-link" href="[^"]+">([^<]*)</a>', html)


@pytest.fixture
def catalog(db: None) -> dict[str, Service]:
    alpha, beta, gamma = (
        make_panel(name="Alpha SMM"),
        make_panel(name="Beta Boost"),
        make_panel(name="Gamma"),
    )
    off = make_panel(name="Off Panel", is_active=False)
    return {
        "ig": make_service(
            panel=alpha,
            name="Instagram Followers [Real]",
            rate=Decimal("0.90"),
            category="Instagram Followers",
            remote_id="101",
            refill=True,
            refill_days=30,
            min_quantity=100,
            max_quantity=50_000,
            description="Line one\nLine two",
        ),
        "ig_beta": make_service(
            panel=beta,
            name="IG Followers - HQ [Refill 30D]",
            rate=Decimal("0.75"),
            category="IG | Followers",
            remote_id="1001",
            refill=True,
            refill_days=30,
            min_quantity=50,
            max_quantity=20_000,
        ),
        "ig_gamma": make_service(
            panel=gamma,
            name="📸 Instagram - Followers [Max 50K]",
            rate=Decimal("1.10"),
            category="⭐ Instagram Followers ⭐",
            remote_id="501",
            max_quantity=50_000,
            cancel=True,
        ),
        "likes": make_service(
            panel=alpha,
            name="Instagram Likes [Fast]",
            rate=Decimal("0.15"),
            category="Instagram Likes",
            remote_id="102",
            dripfeed=True,
        ),
        "tt": make_service(
            panel=beta,
            name="TikTok Views",
            rate=Decimal("0.01"),
            category="TikTok",
            remote_id="1002",
            cancel=True,
            min_quantity=100,
            max_quantity=10_000_000,
        ),
        "pkg": make_service(
            panel=gamma,
            name="Instagram Likes Package [1000]",
            rate=Decimal("2.50"),
            category="Instagram Likes",
            type="package",
            remote_id="502",
            min_quantity=1,
            max_quantity=1,
        ),
        "gone": make_service(
            panel=alpha,
            name="Instagram Followers Old",
            rate=Decimal("0.50"),
            remote_id="103",
            is_active=False,
        ),
        "off": make_service(
            panel=off, name="Instagram Followers", rate=Decimal("0.10"), remote_id="9"
        ),
    }


def browse(client: Client, query: str = "", **headers: str) -> HttpResponse:
    return client.get(f"{reverse('catalog:browse')}{query}", headers=headers)


# ---- Login -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        lambda s: reverse("catalog:browse"),
        lambda s: reverse("catalog:service", args=[s.pk]),
        lambda s: reverse("catalog:changes"),
    ],
    ids=["browse", "service", "changes"],
)
def test_it_redirects_anonymous_users_to_login(client: Client, catalog, url) -> None:
    target = url(catalog["ig"])
    response = client.get(target)
    assert response.status_code == 302
    assert response.url.startswith(f"{reverse('login')}?next=")


def test_the_nav_links_to_the_catalog(logged_in: Client) -> None:
    html = logged_in.get(reverse("overview")).content.decode()
    assert f'href="{reverse("catalog:browse")}"' in html


# ---- Browser: search, filters, sort, pages -----------------------------------------------


def test_it_lists_every_active_service_of_every_active_panel(logged_in: Client, catalog) -> None:
    html = browse(logged_in).content.decode()

    names = results_names(html)
    assert len(names) == 6
    assert "Instagram Followers Old" not in names  # no longer listed
    assert "Instagram Followers" not in names  # its panel is disabled
    assert "6 services" in text(html)
    page = text(html)
    assert "Alpha SMM #101" in page
    assert "0.90 USD" in page
    assert "50,000" in page
    assert "Refill 30d" in page
    assert "per package" in page  # the package's rate is not per 1000


def test_it_searches_name_category_and_the_panels_service_id(logged_in: Client, catalog) -> None:
    assert set(results_names(browse(logged_in, "?q=instagram+followers").content.decode())) == {
        "Instagram Followers [Real]",
        "📸 Instagram - Followers [Max 50K]",
    }
    assert results_names(browse(logged_in, "?q=1001").content.decode()) == [
        "IG Followers - HQ [Refill 30D]"
    ]
    assert results_names(browse(logged_in, "?q=tiktok").content.decode()) == ["TikTok Views"]
    html = browse(logged_in, "?q=nothing-like-this").content.decode()
    assert results_names(html) == []
    assert "No service matches" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?panel={beta}", {"IG Followers - HQ [Refill 30D]", "TikTok Views"}),
        ("?category=Instagram+Likes", {"Instagram Likes [Fast]", "Instagram Likes Package [1000]"}),
        ("?type=package", {"Instagram Likes Package [1000]"}),
        ("?refill=yes", {"Instagram Followers [Real]", "IG Followers - HQ [Refill 30D]"}),
        ("?cancel=yes&panel={beta}", {"TikTok Views"}),
        ("?dripfeed=yes", {"Instagram Likes [Fast]"}),
        ("?dripfeed=no&refill=no&cancel=no", {"Instagram Likes Package [1000]"}),
    ],
)
def test_it_filters(logged_in: Client, catalog, query: str, expected: set[str]) -> None:
    beta = Panel.objects.get(name="Beta Boost")
    html = browse(logged_in, query.format(beta=beta.pk)).content.decode()
    assert set(results_names(html)) == expected


def test_the_filter_form_shows_the_chosen_values(logged_in: Client, catalog) -> None:
    beta = Panel.objects.get(name="Beta Boost")
    html = browse(logged_in, f"?q=ig&panel={beta.pk}&refill=yes&sort=-rate").content.decode()

    assert 'name="q" value="ig"' in html
    assert f'<option value="{beta.pk}" selected>Beta Boost</option>' in html
    assert '<option value="yes" selected>Yes</option>' in html
    assert '<option value="-rate" selected>' in html
    # Only the chosen panel's categories are offered.
    assert '<option value="IG | Followers">' in html
    assert '<option value="Instagram Likes">' not in html


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("rate", ["TikTok Views", "Instagram Likes [Fast]", "IG Followers - HQ [Refill 30D]"]),
        ("-rate", ["Instagram Likes Package [1000]", "📸 Instagram - Followers [Max 50K]"]),
        ("min", ["Instagram Likes Package [1000]", "Instagram Likes [Fast]"]),  # ties: cheaper
        ("-max", ["TikTok Views", "Instagram Followers [Real]"]),
        ("name", ["IG Followers - HQ [Refill 30D]", "Instagram Followers [Real]"]),
    ],
)
def test_it_sorts(logged_in: Client, catalog, sort: str, expected: list[str]) -> None:
    names = results_names(browse(logged_in, f"?sort={sort}").content.decode())
    assert names[: len(expected)] == expected


def test_column_headers_sort_and_keep_the_filters(logged_in: Client, catalog) -> None:
    html = browse(logged_in, "?q=instagram&refill=yes").content.decode()
    assert 'href="/catalog/?q=instagram&amp;refill=yes&amp;sort=rate"' in html

    html = browse(logged_in, "?q=instagram&refill=yes&sort=rate").content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="/catalog/?q=instagram&amp;refill=yes&amp;sort=-rate"' in html  # reverses


def test_it_shows_50_services_a_page_with_links_that_keep_the_query(
    logged_in: Client, catalog
) -> None:
    panel = Panel.objects.get(name="Alpha SMM")
    for n in range(120):
        make_service(
            panel=panel, name=f"Bulk Followers {n:03}", rate=Decimal("1.00"), category="Bulk"
        )

    first = browse(logged_in, "?q=bulk").content.decode()
    assert len(results_names(first)) == 50
    assert "120 services found" in text(first)
    assert "page 1 of 3" in text(first)
    assert 'href="/catalog/?q=bulk&amp;page=2" rel="next"' in first

    last = browse(logged_in, "?q=bulk&page=3").content.decode()
    assert results_names(last) == [f"Bulk Followers {n:03}" for n in range(100, 120)]
    assert 'href="/catalog/?q=bulk&amp;page=2" rel="prev"' in last


@pytest.mark.parametrize(
    ("page", "first_name"),
    [
        ("0", "Bulk Followers 000"),
        ("-3", "Bulk Followers 000"),
        ("abc", "Bulk Followers 000"),
        ("999", "Bulk Followers 050"),
        ("99999999999999999999", "Bulk Followers 050"),
        ("2.5", "Bulk Followers 000"),
    ],
)
def test_a_page_number_out_of_range_is_clamped(
    logged_in: Client, page: str, first_name: str
) -> None:
    panel = make_panel(name="Alpha SMM")
    for n in range(60):
        make_service(panel=panel, name=f"Bulk Followers {n:03}")
    response = browse(logged_in, f"?page={page}")
    assert response.status_code == 200
    assert results_names(response.content.decode())[0] == first_name


@pytest.mark.parametrize(
    "query",
    [
        "?panel=abc",
        "?panel=-1",
        "?panel=999999",
        "?panel=99999999999999999999999",
        "?panel=1.5",
        "?category=Nope",
        "?type=bogus",
        "?refill=maybe",
        "?cancel=1",
        "?dripfeed=",
        "?sort=DROP+TABLE",
        "?sort=-name",
        "?sort=password",
        "?q=%00",
        "?q=a%00b",
        "?q=" + "x" * 5000,
        "?q=%F0%9F%93%B8",
        "?page=",
        "?category=%00",
        "?panel=%00&type=%00&sort=%00",
        "?q=1+2+3+4+5+6+7+8+9+10+11",
    ],
)
def test_bad_parameters_are_ignored(logged_in: Client, catalog, query: str) -> None:
    response = browse(logged_in, query)
    assert response.status_code == 200
    response = browse(logged_in, query, HX_Request="true")
    assert response.status_code == 200


def test_an_invalid_filter_value_is_dropped_quietly(logged_in: Client, catalog) -> None:
    # The bogus type and flag are ignored; the valid refill filter still applies.
    response = browse(logged_in, "?type=bogus&cancel=maybe&refill=yes&sort=password")
    html = response.content.decode()
    assert response.status_code == 200
    assert set(results_names(html)) == {
        "Instagram Followers [Real]",
        "IG Followers - HQ [Refill 30D]",
    }
    assert '<option value="">Any type</option>' in html
    assert '<option value="name" selected>Name</option>' in html  # the default sort
    assert 'value="bogus"' not in html
    assert "aria-invalid" not in html
    # The address bar gets the filters that were applied.
    response = browse(
        logged_in, "?type=bogus&cancel=maybe&refill=yes&sort=password", HX_Request="true"
    )
    assert response["HX-Push-Url"] == "/catalog/?refill=yes"


def test_a_page_past_the_end_shows_the_last_page(logged_in: Client) -> None:
    panel = make_panel(name="Alpha SMM")
    for n in range(110):
        make_service(panel=panel, name=f"Bulk Followers {n:03}")

    response = browse(logged_in, "?page=4", HX_Request="true")

    html = response.content.decode()
    assert results_names(html) == [f"Bulk Followers {n:03}" for n in range(100, 110)]
    assert "101–110 · page 3 of 3" in html
    assert 'rel="next"' not in html
    assert response["HX-Push-Url"] == "/catalog/?page=3"  # the page shown, not the one asked


def test_an_unknown_panel_or_category_shows_everything(logged_in: Client, catalog) -> None:
    names = results_names(browse(logged_in, "?panel=999999&category=Nope").content.decode())
    assert len(names) == 6


def test_only_get_is_allowed(logged_in: Client) -> None:
    assert logged_in.post(reverse("catalog:browse")).status_code == 405


# ---- Browser: HTMX -----------------------------------------------------------------------


def test_the_search_box_searches_as_you_type(logged_in: Client, catalog) -> None:
    html = browse(logged_in).content.decode()
    search = re.search(r'<input id="f-q"[^>]*>', html, re.S)
    assert search
    box = search.group(0)
    assert 'hx-get="/catalog/"' in box
    assert 'hx-trigger="input changed delay:300ms, search"' in box
    assert 'hx-include="closest form"' in box
    assert 'hx-target="#catalog-results"' in html
    assert 'hx-push-url="true"' in html
    assert 'method="get" action="/catalog/"' in html  # and without JS, a plain form


def test_an_htmx_request_gets_only_the_results(logged_in: Client, catalog) -> None:
    response = browse(logged_in, "?q=instagram&cancel=&refill=&sort=name", HX_Request="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "<form" not in html
    assert html.lstrip().startswith('<section id="catalog-results"')
    assert "Instagram Likes [Fast]" in html
    assert "TikTok Views" not in html
    # The address bar gets the clean URL, and caches keep the two answers apart.
    assert response["HX-Push-Url"] == "/catalog/?q=instagram"
    assert "HX-Request" in response["Vary"]


def test_a_history_restore_gets_the_whole_page(logged_in: Client, catalog) -> None:
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    html = logged_in.get(reverse("catalog:browse"), headers=headers).content.decode()
    assert "<html" in html


def test_choosing_a_panel_updates_the_category_list(logged_in: Client, catalog) -> None:
    beta = Panel.objects.get(name="Beta Boost")
    # The page showed every panel; the request asks for Beta's services.
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/catalog/?q=ig"}
    html = logged_in.get(
        f"/catalog/?q=ig&panel={beta.pk}&category=Instagram+Likes", headers=headers
    ).content.decode()

    assert 'id="f-category-field" class="field filters-category" hx-swap-oob="true"' in html
    assert '<option value="IG | Followers">' in html
    assert '<option value="Instagram Likes">' not in html


def test_typing_leaves_the_other_controls_alone(logged_in: Client, catalog) -> None:
    beta = Panel.objects.get(name="Beta Boost")
    headers = {
        "HX-Request": "true",
        "HX-Current-URL": f"http://testserver/catalog/?panel={beta.pk}",
    }
    html = logged_in.get(
        f"/catalog/?q=ig&panel={beta.pk}&sort=-rate", headers=headers
    ).content.decode()
    assert "hx-swap-oob" not in html


def test_a_header_click_updates_the_sort_select(logged_in: Client, catalog) -> None:
    html = browse(logged_in, "?sort=-rate", HX_Request="true", HX_Boosted="true").content.decode()
    assert 'id="f-sort-field" class="field filters-sort" hx-swap-oob="true"' in html
    assert '<option value="-rate" selected>' in html


# ---- Order links -----------------------------------------------------------------------------


def test_each_service_links_to_the_ordering_page(logged_in: Client, catalog) -> None:
    html = browse(logged_in).content.decode()
    assert f'href="/orders/new/?service={catalog["ig"].pk}"' in html
    assert html.count("/orders/new/?service=") == 6

    html = logged_in.get(reverse("catalog:service", args=[catalog["ig"].pk])).content.decode()
    assert f'href="/orders/new/?service={catalog["ig"].pk}">Order this service' in html


# ---- Escaping ----------------------------------------------------------------------------


def test_a_malicious_service_is_escaped_everywhere(logged_in: Client) -> None:
    alpha, beta = make_panel(name="Alpha SMM"), make_panel(name=f"Beta {EVIL}")
    evil = make_service(
        panel=alpha,
        name=f"Instagram Followers {EVIL}",
        rate=Decimal("0.90"),
        category=f"Instagram Followers {EVIL}",
        description=f"Fast.\n{EVIL}\n<script>alert(2)</script>",
    )
    plain = make_service(
        panel=alpha, name="Instagram Followers [Real]", rate=Decimal("1.00"), category="Instagram"
    )
    make_service(
        panel=beta, name="Instagram Followers [HQ]", rate=Decimal("1.20"), category="Instagram"
    )
    price_change(evil, "0.80", "0.90")

    pages = {
        "browser": browse(logged_in).content.decode(),
        "search": browse(logged_in, "?q=onerror", HX_Request="true").content.decode(),
        "panel": browse(
            logged_in, f"?panel={beta.pk}", HX_Request="true", HX_Current_URL="http://testserver/"
        ).content.decode(),
        "service": logged_in.get(reverse("catalog:service", args=[evil.pk])).content.decode(),
        # Beta's offer, on the page of Alpha's plain service
        "offer": logged_in.get(reverse("catalog:service", args=[plain.pk])).content.decode(),
        "changes": logged_in.get(reverse("catalog:changes")).content.decode(),
        "overview": logged_in.get(reverse("overview")).content.decode(),
    }
    for name, html in pages.items():
        assert "<img src=x" not in html, name
        assert "<script>alert(2)" not in html, name
        assert EVIL_ESCAPED in html, name
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in pages["service"]
    assert f"{EVIL_ESCAPED}<br>" in pages["service"]  # line breaks kept, after escaping
    assert "Instagram Followers [HQ]" in pages["offer"]


def test_panel_content_sits_under_hx_disable(logged_in: Client, catalog) -> None:
    html = browse(logged_in).content.decode()
    assert "<tbody hx-disable>" in html
    assert '<select id="f-category" name="category" hx-disable>' in html
    html = logged_in.get(reverse("catalog:service", args=[catalog["ig"].pk])).content.decode()
    assert '<div class="description" hx-disable>' in html
    assert '<div class="page-head service-head" hx-disable>' in html


# ---- Service page ------------------------------------------------------------------------


def test_the_service_page_shows_every_field_and_the_description(logged_in: Client, catalog) -> None:
    html = logged_in.get(reverse("catalog:service", args=[catalog["ig"].pk])).content.decode()
    page = text(html)

    assert '<h1 class="service-title">Instagram Followers [Real]</h1>' in html
    assert "Alpha SMM · service #101 · Instagram Followers" in page
    assert "0.90 USD per 1000" in page
    assert "Min 100" in page
    assert "Max 50,000" in page
    assert "Refill Yes, 30 days" in page
    assert "Cancel No" in page
    assert "Drip-feed No" in page
    assert "Line one<br>Line two" in html


def test_the_service_page_shows_the_rate_history_newest_first(logged_in: Client, catalog) -> None:
    ig = catalog["ig"]
    make_event(ig, Kind.ADDED, new_rate=Decimal("0.80"), ago=timedelta(days=20))
    price_change(ig, "0.80", "1.20", ago=timedelta(days=10))
    price_change(ig, "1.20", "0.90", ago=timedelta(days=2))
    make_event(ig, Kind.LIMITS_CHANGED, details={"min_quantity": [50, 100]})

    html = logged_in.get(reverse("catalog:service", args=[ig.pk])).content.decode()
    page = text(html)

    history = page.split("Rate history", 1)[1]
    assert history.index("min 50 → 100") < history.index("Price lowered from 1.20 to 0.90 USD")
    assert history.index("lowered") < history.index("Price raised from 0.80 to 1.20 USD +50.00%")
    assert history.index("raised") < history.index("Added at 0.80 USD")
    assert "−25.00%" in history
    assert '<polyline points="' in html  # the step chart of the rate


def test_a_service_without_history_says_so(logged_in: Client, catalog) -> None:
    html = logged_in.get(reverse("catalog:service", args=[catalog["tt"].pk])).content.decode()
    assert "No changes since we first saw this service" in html
    assert "<polyline" not in html


def test_the_comparison_shows_other_panels_cheapest_first(logged_in: Client, catalog) -> None:
    html = logged_in.get(reverse("catalog:service", args=[catalog["ig"].pk])).content.decode()
    page = text(html)
    comparison = page.split("Same service on other panels", 1)[1].split("Rate history", 1)[0]

    assert "Read as Instagram · Followers · Default" in comparison
    assert "How matching works" in comparison
    assert "never matched" in comparison
    assert "different currencies are not compared" in comparison
    # Beta (0.75) before Gamma (1.10); this service (0.90) heads the table as the reference.
    assert comparison.index("IG Followers - HQ") < comparison.index("📸 Instagram - Followers")
    assert "Instagram Likes" not in comparison
    assert "Cheaper elsewhere Beta Boost sells it for 0.75 USD: 0.15 less (16.67% cheaper)" in (
        comparison
    )
    assert "−0.15 −16.67%" in comparison
    assert "+0.20 +22.22%" in comparison
    # What differs from this service is said in words and highlighted.
    assert "min 50 (this: 100)" in comparison
    assert "max 20000 (this: 50000)" in comparison
    assert "refill: no (this: 30 days)" in comparison
    assert 'class="tag tag-best">Cheapest' in html
    assert html.count('class="num is-different"') == 3  # Beta's min and max, Gamma's min
    assert f'href="{reverse("catalog:service", args=[catalog["ig_beta"].pk])}"' in html


def test_the_cheapest_service_says_so(logged_in: Client, catalog) -> None:
    html = logged_in.get(reverse("catalog:service", args=[catalog["ig_beta"].pk])).content.decode()
    page = text(html)
    expected = "The next best, Alpha SMM, asks 0.90 USD: 0.15 more (20.00% dearer)."
    assert f"This is the cheapest. {expected}" in page


def test_the_cheapest_badge_sits_on_the_cheapest_row(logged_in: Client, catalog) -> None:
    # Beta (0.75) is cheaper than Alpha (0.90) and Gamma (1.10): its own row wears the badge.
    html = logged_in.get(reverse("catalog:service", args=[catalog["ig_beta"].pk])).content.decode()
    rows = html.split('class="table offers-table', 1)[1].split("</tbody>", 1)[0].split("<tr")[2:]
    badges = ["tag-best" in row for row in rows]
    assert badges == [True, False, False]  # this service, then Alpha, then Gamma
    assert "This service" in rows[0]


def test_offers_in_other_currencies_are_listed_in_their_own_currency(
    logged_in: Client, catalog
) -> None:
    euro = make_panel(name="Euro Panel", currency="EUR")
    mine = make_service(
        panel=euro,
        name="Instagram Followers [EUR]",
        rate=Decimal("0.50"),
        category="Instagram Followers",
        min_quantity=100,
        max_quantity=50_000,
    )

    html = logged_in.get(reverse("catalog:service", args=[mine.pk])).content.decode()
    page = text(html)

    comparison = page.split("Same service on other panels", 1)[1].split("Rate history", 1)[0]
    assert "No other panel sells this" not in comparison
    assert "3 offers from 3 panels, cheapest first in each currency" in comparison
    assert "No other panel sells it in EUR; 3 panels sell it in USD." in comparison
    assert "In USD Not compared with this service's EUR rate" in comparison
    # Cheapest first in USD, in USD, and only Beta (0.75 USD, the cheapest of them) is marked.
    usd = comparison.split("In USD", 1)[1]
    assert usd.index("Beta Boost") < usd.index("Alpha SMM") < usd.index("Gamma")
    assert "0.75 USD" in usd
    assert usd.count("Cheapest in USD") == 1
    assert usd.index("Cheapest in USD") < usd.index("Alpha SMM")
    assert "vs this" not in usd  # no difference across currencies
    assert "−0.15" not in usd
    assert "+0.25" not in usd


def test_an_unrecognised_service_is_never_compared(logged_in: Client, catalog) -> None:
    weird = make_service(
        panel=Panel.objects.get(name="Alpha SMM"), name="Mystery Boost", rate=Decimal("0.30")
    )
    html = logged_in.get(reverse("catalog:service", args=[weird.pk])).content.decode()
    page = text(html)
    assert "not recognised" in page
    assert "No platform in name or category" in page
    assert "never matched" in page
    assert "offers-table" not in html


def test_an_unknown_service_is_404(logged_in: Client) -> None:
    assert logged_in.get(reverse("catalog:service", args=[999999])).status_code == 404


# ---- Changes feed ------------------------------------------------------------------------


def test_the_changes_feed_writes_each_change_as_a_sentence(logged_in: Client, catalog) -> None:
    price_change(catalog["ig"], "0.90", "1.20")
    price_change(catalog["tt"], "0.02", "0.01")
    make_event(catalog["likes"], Kind.ADDED, new_rate=Decimal("0.15"))
    make_event(catalog["gone"], Kind.REMOVED, old_rate=Decimal("0.50"))
    make_event(
        catalog["pkg"],
        Kind.FLAGS_CHANGED,
        details={"refill": [True, False], "refill_days": [30, None]},
    )

    page = text(logged_in.get(reverse("catalog:changes")).content.decode())

    assert "Alpha SMM raised Instagram Followers [Real] from 0.90 to 1.20 USD +33.33%" in page
    assert "Beta Boost lowered TikTok Views from 0.02 to 0.01 USD −50.00%" in page
    assert "Alpha SMM added Instagram Likes [Fast] at 0.15 USD" in page
    assert "Alpha SMM removed Instagram Followers Old (was 0.50 USD)" in page
    flags = "refill yes → no, refill days 30 → none"
    assert f"Gamma changed Instagram Likes Package [1000]: {flags}" in page
    # Price rises first, each group newest first.
    assert page.index("raised") < page.index("Other changes") < page.index("lowered")


def test_the_changes_feed_filters_by_kind_and_period(logged_in: Client, catalog) -> None:
    price_change(catalog["ig"], "0.90", "1.20", ago=timedelta(days=12))
    make_event(catalog["likes"], Kind.ADDED, new_rate=Decimal("0.15"))

    week = text(logged_in.get("/catalog/changes/").content.decode())
    assert "added Instagram Likes" in week
    assert "raised" not in week

    month = text(logged_in.get("/catalog/changes/?days=30").content.decode())
    assert "raised Instagram Followers [Real]" in month

    rises = text(logged_in.get("/catalog/changes/?days=30&kind=rate_changed").content.decode())
    assert "raised Instagram Followers [Real]" in rises
    assert "added" not in rises.split("Last 30 days", 1)[1]


@pytest.mark.parametrize("query", ["?kind=bogus", "?days=9999", "?days=abc", "?kind=%00&days="])
def test_the_changes_feed_ignores_bad_parameters(logged_in: Client, catalog, query: str) -> None:
    make_event(catalog["likes"], Kind.ADDED, new_rate=Decimal("0.15"))
    response = logged_in.get(f"/catalog/changes/{query}")
    assert response.status_code == 200
    assert "added Instagram Likes" in text(response.content.decode())


def test_the_changes_feed_explains_an_empty_period(logged_in: Client) -> None:
    html = logged_in.get(reverse("catalog:changes")).content.decode()
    assert "No catalog changes in the last 7 days" in html


@pytest.mark.parametrize(
    ("kind", "fields", "sentence"),
    [
        (
            Kind.RATE_CHANGED,
            {
                "old_rate": Decimal("0.001250000000"),
                "new_rate": Decimal("0.001000000000"),
                "rate_change": Decimal("-0.2000"),
            },
            "lowered X from 0.00125 to 0.001 EUR",
        ),
        (Kind.REACTIVATED, {"new_rate": Decimal("3.000000000000")}, "brought back X at 3.00 EUR"),
        (
            Kind.LIMITS_CHANGED,
            {"details": {"min_quantity": [10, 50], "max_quantity": [100, 90]}},
            "changed X: min 10 → 50, max 100 → 90",
        ),
        (
            Kind.FLAGS_CHANGED,
            {"details": {"dripfeed": [False, True]}},
            "changed X: drip-feed no → yes",
        ),
    ],
)
def test_change_sentences(kind: str, fields: dict[str, object], sentence: str) -> None:
    panel = make_panel(name="P", currency="EUR")
    event = make_event(make_service(panel=panel, name="X"), kind, **fields)
    line = change_line(event)
    assert f"{line.verb} X{line.tail}" == sentence


# ---- Query counts ------------------------------------------------------------------------


def populate(n: int) -> None:
    for i in range(n):
        panel = make_panel(name=f"Panel {next(_seq)}")
        for j in range(8):
            service = make_service(
                panel=panel,
                name=f"Instagram Followers {i}-{j}",
                rate=Decimal(f"{1 + j / 10:.2f}"),
                category="Instagram Followers",
                refill=bool(j % 2),
            )
            price_change(service, "0.50", f"{1 + j / 10:.2f}")


def test_the_browser_query_count_does_not_grow(
    logged_in: Client, django_assert_max_num_queries
) -> None:
    populate(1)
    browse(logged_in)  # warm up: session, user
    with django_assert_max_num_queries(8) as few:
        assert browse(logged_in).status_code == 200

    populate(8)  # 72 services: a full page of 50
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(results_names(browse(logged_in).content.decode())) == 50
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert browse(logged_in, "?q=followers&page=2", HX_Request="true").status_code == 200


def test_the_service_page_query_count_does_not_grow(
    logged_in: Client, django_assert_max_num_queries
) -> None:
    populate(1)
    target = Service.objects.order_by("pk").first()
    assert target is not None
    url = reverse("catalog:service", args=[target.pk])
    logged_in.get(url)
    # 7: one more than before exchange rates, for the base currency (all offers are in it)
    with django_assert_max_num_queries(7) as few:
        assert logged_in.get(url).status_code == 200

    populate(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = logged_in.get(url).content.decode()
    # each other panel's cheapest offers; the rest are counted
    assert html.count('class="service-link"') == 8 * OFFERS_PER_PANEL
    left_out = 8 * (8 - OFFERS_PER_PANEL)
    assert f"{left_out} dearer offers of the same panels are left out" in text(html)


def test_the_changes_feed_query_count_does_not_grow(
    logged_in: Client, django_assert_max_num_queries
) -> None:
    populate(1)
    make_event(Service.objects.first(), Kind.ADDED)  # a change that is not a rise
    logged_in.get(reverse("catalog:changes"))
    # 4: the rises, then the other changes (each a walk down an index, newest first)
    with django_assert_max_num_queries(4) as few:
        logged_in.get(reverse("catalog:changes"))
    populate(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        logged_in.get(reverse("catalog:changes"))


# ---- Overview ----------------------------------------------------------------------------


def test_the_overview_shows_the_latest_catalog_changes(logged_in: Client, catalog) -> None:
    price_change(catalog["ig"], "0.90", "1.20")
    for n in range(10):
        make_event(catalog["likes"], Kind.LIMITS_CHANGED, details={"max_quantity": [n, n + 1]})

    html = logged_in.get(reverse("overview")).content.decode()
    section = text(html.split("Latest catalog changes", 1)[1])

    assert "Alpha SMM raised Instagram Followers [Real] from 0.90 to 1.20 USD" in section
    assert section.count("changed Instagram Likes [Fast]") == 7  # the top 8 in all
    assert f'href="{reverse("catalog:changes")}"' in html


def test_the_overview_says_when_nothing_changed(logged_in: Client) -> None:
    make_panel(name="Alpha SMM")
    html = logged_in.get(reverse("overview")).content.decode()
    assert "No price or catalog changes in the last 7 days" in html


def test_the_overview_query_count_stays_fixed_with_catalog_changes(
    logged_in: Client, django_assert_max_num_queries
) -> None:
    populate(1)
    logged_in.get(reverse("overview"))
    # 11: one more than before exchange rates (the base currency), one for the balance
    # intervals, one for the month's profit, one for alert messages that could not be sent;
    # on PostgreSQL one more: whether that profit can be read from the report totals
    with django_assert_max_num_queries(11 + (connection.vendor == "postgresql")) as few:
        assert logged_in.get(reverse("overview")).status_code == 200

    populate(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = logged_in.get(reverse("overview")).content.decode()
    assert html.count('class="change change-') == 8
