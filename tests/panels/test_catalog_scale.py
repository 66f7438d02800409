"""What keeps the catalog pages fast over a large catalog (benchmarks/catalog_pages.py): pages
past the middle read from the end, each panel's cheapest offers compared, the changes feed in two
index walks, the types offered without reading every service. Each must show what the plain
way showed."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.core.paginator import Paginator
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from panels.models import CatalogEvent, Service
from panels.selectors.catalog import (
    OFFERS_PER_PANEL,
    SORTS,
    CatalogFilters,
    catalog_changes,
    catalog_facets,
    service_comparison,
    service_search,
)
from panels.views.catalog import PER_PAGE, EitherEndPaginator
from tests.factories import PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

make_panel = partial(PanelFactory, currency="USD", synced=True)
Kind = CatalogEvent.Kind


def results_names(html: str) -> list[str]:
    return re.findall(r'class="service-link" href="[^"]+">([^<]*)</a>', html)


@pytest.fixture
def many() -> list[Service]:
    """130 services over two panels, with ties in every sorted column."""
    panels = [make_panel(name="Alpha"), make_panel(name="Beta")]
    return [
        ServiceFactory(
            panel=panels[n % 2],
            name=f"Followers {n % 40:02}",
            category=f"Category {n % 3}",
            rate=Decimal(f"0.{n % 7 + 1}0"),
            min_quantity=10 * (n % 4),
            max_quantity=1000 * (n % 5 + 1),
            is_active=n % 13 != 0,
        )
        for n in range(130)
    ]


@pytest.mark.parametrize("sort", list(SORTS))
def test_a_page_read_from_the_end_is_the_page_read_from_the_start(many, sort: str) -> None:
    services = service_search(filters=CatalogFilters(sort=sort))
    for per_page, orphans, pages in ((PER_PAGE, 0, 3), (PER_PAGE, 20, 2), (7, 0, 18), (7, 3, 17)):
        plain = Paginator(services, per_page, orphans=orphans)
        either = EitherEndPaginator(services, per_page, orphans=orphans)
        assert either.num_pages == plain.num_pages == pages  # 120 services listed
        for number in range(1, pages + 1):
            assert list(either.page(number)) == list(plain.page(number)), (per_page, number)


def test_the_last_page_has_the_first_pages_query_count(
    logged_in: Client, many, django_assert_max_num_queries
) -> None:
    url = reverse("catalog:browse")
    logged_in.get(url)
    with django_assert_max_num_queries(8) as first:
        names = results_names(logged_in.get(url).content.decode())
    with django_assert_max_num_queries(len(first.captured_queries)):
        last = results_names(logged_in.get(f"{url}?page=3&sort=-rate").content.decode())
    assert len(names) == PER_PAGE
    assert len(last) == 120 - 2 * PER_PAGE


def test_the_types_offered_are_those_listed() -> None:
    alpha, off = make_panel(name="Alpha"), make_panel(name="Off", is_active=False)
    ServiceFactory(panel=alpha, type="package")
    ServiceFactory(panel=alpha, type="default")
    ServiceFactory(panel=alpha, type="poll", is_active=False)  # no longer listed
    ServiceFactory(panel=off, type="subscriptions")  # its panel is disabled
    assert catalog_facets().types == ["default", "package"]
    assert catalog_facets(panel_id=off.pk).types == []


def test_no_panel_no_types(db: None) -> None:
    assert catalog_facets().types == []


def test_each_panels_cheapest_offers_are_compared_and_the_rest_counted() -> None:
    target = ServiceFactory(panel=make_panel(name="Own"), name="Instagram Followers")
    rates = {}
    for p in range(3):
        panel = make_panel(name=f"Panel {p}")
        count = OFFERS_PER_PANEL + p  # 0, 1, 2 more than are listed
        rates[panel.pk] = [Decimal(f"{1 + (n * 7 % count) / 10:.2f}") for n in range(count)]
        for n, rate in enumerate(rates[panel.pk]):
            ServiceFactory(panel=panel, name=f"Instagram Followers {p}-{n}", rate=rate)

    comparison = service_comparison(service=target)

    offers = comparison.groups[0].offers
    for panel_id, listed in rates.items():
        shown = [o.facts.rate for o in offers if o.facts.panel_id == panel_id]
        assert shown == sorted(listed)[:OFFERS_PER_PANEL]
    assert [o.facts.rate for o in offers] == sorted(o.facts.rate for o in offers)
    assert comparison.left_out == 0 + 1 + 2
    assert service_comparison(service=target, per_panel=100).left_out == 0


def test_the_changes_feed_lists_rises_first_then_the_rest_newest_first() -> None:
    service = ServiceFactory(panel=make_panel(name="Alpha"))

    def event(kind: str, hours: int, change: str | None = None) -> CatalogEvent:
        made = CatalogEvent.objects.create(
            panel=service.panel,
            service=service,
            kind=kind,
            rate_change=Decimal(change) if change else None,
        )
        CatalogEvent.objects.filter(pk=made.pk).update(
            created_at=timezone.now() - timedelta(hours=hours)
        )
        return made

    old_rise = event(Kind.RATE_CHANGED, 5, "0.10")
    drop = event(Kind.RATE_CHANGED, 1, "-0.10")
    added = event(Kind.ADDED, 2)
    new_rise = event(Kind.RATE_CHANGED, 3, "0.20")
    event(Kind.RATE_CHANGED, 24 * 8, "0.50")  # before the period

    pks = [e.pk for e in catalog_changes()]
    assert pks == [new_rise.pk, old_rise.pk, drop.pk, added.pk]
    assert [e.pk for e in catalog_changes(limit=3)] == pks[:3]
    assert [e.pk for e in catalog_changes(limit=2)] == pks[:2]
    assert [e.pk for e in catalog_changes(kind=Kind.ADDED)] == [added.pk]
    assert [e.pk for e in catalog_changes(kind=Kind.RATE_CHANGED)] == pks[:3]


@pytest.mark.parametrize("sort", list(SORTS))
def test_a_search_is_sorted_as_the_whole_list_is(many, sort: str) -> None:
    # A search sorts by expressions no index is on (name || '', rate + 0): the same order.
    everything = list(service_search(filters=CatalogFilters(sort=sort)))
    found = list(service_search(filters=CatalogFilters(q="followers 1", sort=sort)))
    assert found == [s for s in everything if "1" in s.name + s.category or s.remote_id == "1"]
    assert len(found) > 50
    either = EitherEndPaginator(
        service_search(filters=CatalogFilters(q="followers 1", sort=sort)), 7
    )
    assert list(either.page(either.num_pages)) == found[(either.num_pages - 1) * 7 :]
