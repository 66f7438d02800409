"""Catalog reads: search and filters, history, offers across panels and the changes feed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.utils import timezone

from panels.models import CatalogEvent, Service
from panels.selectors.catalog import (
    CatalogFilters,
    catalog_changes,
    catalog_facets,
    service_history,
    service_offers,
    service_search,
)
from tests.factories import PanelFactory, ServiceFactory

Kind = CatalogEvent.Kind
make_panel = partial(PanelFactory, currency="USD")  # comparisons group offers by currency


def listed(panel, remote_id, name, category="", rate="1.00", **fields) -> Service:
    """One row of the catalog tables below, in their column order."""
    for short, field in (("min", "min_quantity"), ("max", "max_quantity")):
        if short in fields:
            fields[field] = fields.pop(short)
    return ServiceFactory(
        panel=panel, remote_id=remote_id, name=name, category=category, rate=Decimal(rate), **fields
    )


@pytest.fixture
def catalog(db):
    alpha, beta, gamma = make_panel(name="Alpha"), make_panel(name="Beta"), make_panel(name="Gamma")
    off = make_panel(name="Off", is_active=False)
    return {
        "ig": listed(
            alpha, "1", "Instagram Followers [Real]", "Instagram Followers", "0.90", refill=True
        ),
        "ig_beta": listed(
            beta,
            "1001",
            "IG Followers - HQ [Refill 30D]",
            "IG | Followers",
            "0.75",
            refill=True,
            refill_days=30,
        ),
        "ig_gamma": listed(
            gamma,
            "501",
            "📸 Instagram - Followers [Max 50K]",
            "⭐ Instagram Followers ⭐",
            "1.10",
            max=50000,
        ),
        "story": listed(beta, "1002", "Instagram Story Views", "Instagram Views", "0.05"),
        "tt": listed(alpha, "2", "TikTok Views", "TikTok", "0.01", cancel=True),
        "gone": listed(
            alpha, "3", "Instagram Followers Old", "Instagram Followers", "0.50", is_active=False
        ),
        "off": listed(off, "9", "Instagram Followers", "Instagram Followers", "0.10"),
        "sub": listed(
            gamma, "502", "Instagram Auto Likes", "Instagram Likes", "0.30", type="subscriptions"
        ),
    }


def names(services) -> list[str]:
    return [s.name for s in services]


def test_search_matches_every_word_in_name_or_category_or_the_exact_id(catalog):
    assert set(names(service_search(filters=CatalogFilters(q="instagram followers")))) == {
        "Instagram Followers [Real]",
        "📸 Instagram - Followers [Max 50K]",
    }
    assert names(service_search(filters=CatalogFilters(q="1001"))) == [
        "IG Followers - HQ [Refill 30D]"
    ]
    assert names(service_search(filters=CatalogFilters(q="tiktok"))) == ["TikTok Views"]


def test_inactive_services_and_disabled_panels_are_not_browsed(catalog):
    found = list(service_search(filters=CatalogFilters()))

    assert catalog["gone"] not in found
    assert catalog["off"] not in found
    assert len(found) == 6


def test_filters_and_sorting(catalog):
    beta = catalog["ig_beta"].panel_id

    assert names(service_search(filters=CatalogFilters(panel_id=beta, sort="rate"))) == [
        "Instagram Story Views",
        "IG Followers - HQ [Refill 30D]",
    ]
    assert names(service_search(filters=CatalogFilters(refill=True, sort="-rate"))) == [
        "Instagram Followers [Real]",
        "IG Followers - HQ [Refill 30D]",
    ]
    assert names(service_search(filters=CatalogFilters(cancel=True))) == ["TikTok Views"]
    assert names(service_search(filters=CatalogFilters(type="subscriptions"))) == [
        "Instagram Auto Likes"
    ]
    assert names(service_search(filters=CatalogFilters(sort="-max")))[0] == (
        "📸 Instagram - Followers [Max 50K]"
    )


def test_facets_list_what_can_be_filtered(catalog):
    facets = catalog_facets()

    assert [name for _, name in facets.panels] == ["Alpha", "Beta", "Gamma"]
    assert "IG | Followers" in facets.categories
    assert set(facets.types) == {"default", "subscriptions"}


def test_offers_are_the_same_thing_on_other_panels_cheapest_first(
    catalog, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        offers = service_offers(service=catalog["ig"])[0].offers

    assert [o.facts.panel_name for o in offers] == ["Beta", "Gamma"]
    assert [o.facts.rate for o in offers] == [Decimal("0.75"), Decimal("1.10")]
    assert offers[0].rate_diff == Decimal("-0.15")
    # Story views, other kinds, other types, inactive services and disabled panels never show.
    assert all("Story" not in o.facts.name and o.facts.panel_name != "Off" for o in offers)


def test_history_and_changes_feed_put_price_rises_first(catalog):
    ig, tt = catalog["ig"], catalog["tt"]
    old = CatalogEvent.objects.create(panel=ig.panel, service=ig, kind=Kind.ADDED)
    CatalogEvent.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    rise = CatalogEvent.objects.create(
        panel=ig.panel,
        service=ig,
        kind=Kind.RATE_CHANGED,
        old_rate="0.90",
        new_rate="1.20",
        rate_change="0.3333",
    )
    drop = CatalogEvent.objects.create(
        panel=tt.panel,
        service=tt,
        kind=Kind.RATE_CHANGED,
        old_rate="0.02",
        new_rate="0.01",
        rate_change="-0.5",
    )
    added = CatalogEvent.objects.create(panel=tt.panel, service=tt, kind=Kind.ADDED)

    assert catalog_changes() == [rise, added, drop]
    assert catalog_changes(kind=Kind.RATE_CHANGED) == [rise, drop]
    assert service_history(service=ig) == [old, rise]
