"""A person confirms or splits how the matcher read a service: kept across syncs while the
service reads the same, honoured by the comparison and by routing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from currency.models import CurrencySettings
from orders.routing import CONFIRMED, UNSURE, Ask, Policy, route
from orders.routing_offers import routing_offers
from panels.models import MatchVerdict
from panels.selectors.catalog import service_offers
from tests.factories import PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

NAME = "Instagram Likes [Fast]"


@pytest.fixture
def offer():
    CurrencySettings.load()
    return [
        ServiceFactory(
            panel=PanelFactory(name=f"{n} SMM", currency="USD"), name=NAME, rate=Decimal(rate)
        )
        for n, rate in (("One", "0.10"), ("Two", "0.20"), ("Three", "0.30"))
    ]


def offered(service) -> list[str]:
    groups = service_offers(service=service)
    return sorted(offer.facts.panel_name for group in groups for offer in group.offers)


def test_a_split_service_leaves_the_comparison_and_routing(logged_in, offer) -> None:
    one, two, _ = offer
    response = logged_in.post(reverse("catalog:verdict", args=[one.pk]), {"verdict": "split"})
    assert response.status_code == 302
    assert MatchVerdict.objects.get(service=one).key == one.match_key
    assert offered(two) == ["Three SMM"]  # One is no longer the same offer
    assert offered(one) == []  # nor does One list the others
    _, offers = routing_offers(match_key=two.match_key, today=date(2026, 12, 1))
    result = route(Ask("default", {"link": "x", "quantity": "1000"}), offers, Policy(), base="USD")
    assert result.best.offer.panel == "Two SMM"  # One was cheapest
    assert {c.offer.panel: c.skipped for c in result.choices if not c.usable} == {
        "One SMM": "split from this offer by a person"
    }
    page = logged_in.get(reverse("catalog:service", args=[one.pk])).content.decode()
    assert "Split by a person" in page


def test_confirmed_is_routed_as_confirmed_and_undo_returns_to_the_matcher(logged_in, offer):
    one, two, _ = offer
    logged_in.post(reverse("catalog:verdict", args=[one.pk]), {"verdict": "confirmed"})
    _, offers = routing_offers(match_key=one.match_key, today=date(2026, 12, 1))
    assert {o.panel: o.match for o in offers}["One SMM"] == CONFIRMED
    logged_in.post(reverse("catalog:verdict", args=[one.pk]), {"verdict": "split"})
    _, offers = routing_offers(match_key=one.match_key, today=date(2026, 12, 1))
    assert {o.panel: o.match for o in offers}["One SMM"] == UNSURE
    logged_in.post(reverse("catalog:verdict", args=[one.pk]), {"verdict": ""})
    assert not MatchVerdict.objects.exists()
    assert offered(two) == ["One SMM", "Three SMM"]


def test_a_verdict_holds_only_while_the_service_reads_the_same(logged_in, offer) -> None:
    one, two, _ = offer
    logged_in.post(reverse("catalog:verdict", args=[one.pk]), {"verdict": "split"})
    one.rate = Decimal("0.11")  # a sync that changes the price keeps the reading
    one.save()
    assert offered(two) == ["Three SMM"]
    one.name = "Instagram Likes Fast"  # still read the same
    one.save()
    assert offered(two) == ["Three SMM"]
    one.name = "TikTok Likes"  # read differently now: the old verdict no longer applies
    one.save()
    assert MatchVerdict.objects.get(service=one).key != one.match_key
    page = logged_in.get(reverse("catalog:service", args=[one.pk])).content.decode()
    assert "Split by a person" not in page


def test_bad_verdicts_are_refused_with_a_message(logged_in, offer) -> None:
    response = logged_in.post(
        reverse("catalog:verdict", args=[offer[0].pk]), {"verdict": "maybe"}, follow=True
    )
    assert "Unknown verdict" in response.content.decode()
    assert not MatchVerdict.objects.exists()
    unread = ServiceFactory(name="Something", category="")
    assert not unread.match_key
    response = logged_in.post(
        reverse("catalog:verdict", args=[unread.pk]), {"verdict": "split"}, follow=True
    )
    assert "nothing to judge" in response.content.decode()
