"""Routing (orders/routing.py): which panel takes an order of a matched offer, and why the
others do not. Table-driven: each case is an order, the panels' offers and a policy, and the
ranking and reasons expected."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from orders.routing import CONFIRMED, UNSURE, Ask, Offer, Policy, route

D = Decimal


def offer(panel: str, rate: str, **fields) -> Offer:
    """Panel "A" is panel id 1, "B" 2...; a USD default service by default."""
    number = ord(panel[0]) - ord("A") + 1
    values = {
        "panel_id": number,
        "panel": panel,
        "service_id": 100 + number,
        "order_type": "default",
        "rate": D(rate),
        "currency": "USD",
        "to_base": D(1),
        **fields,
    }
    return Offer(**values)


THOUSAND = Ask("default", {"link": "https://x.com/a", "quantity": "1000"})

CASES = {
    "cheapest in the base currency, across currencies": (
        THOUSAND,
        [offer("A", "1.00"), offer("B", "0.80", currency="EUR", to_base=D("1.10"))],
        Policy(),
        ["B", "A"],  # 0.80 EUR = 0.88 USD
        {},
    ),
    "a tie: a known balance first, then the panel's name": (
        THOUSAND,
        [offer("C", "0.50"), offer("B", "0.50", balance=D("10")), offer("A", "0.50")],
        Policy(),
        ["B", "A", "C"],
        {},
    ),
    "no rate to compare in, or no currency known": (
        THOUSAND,
        [offer("A", "1.00"), offer("B", "10", currency="RUB", to_base=None),
         offer("C", "0.01", currency="", to_base=None)],
        Policy(),
        ["A"],
        {"B": "no exchange rate for RUB", "C": "currency not known"},
    ),
    "a balance below the cost; an unknown balance does not rule out": (
        THOUSAND,
        [offer("A", "0.30", balance=D("0.12")), offer("B", "0.39"), offer("C", "0.40",
                                                                            balance=D("0.40"))],
        Policy(),
        ["B", "C"],
        {"A": "balance 0.12 USD"},
    ),
    "a panel that refused the order before, then the user's excluded": (
        THOUSAND,
        [offer("A", "0.10"), offer("B", "0.20"), offer("C", "0.30")],
        Policy(excluded=frozenset({2}), tried=frozenset({1, 2})),
        ["C"],
        {"A": "already tried for this order", "B": "already tried for this order"},
    ),
    "excluded and preferred panels": (
        THOUSAND,
        [offer("A", "0.10"), offer("B", "0.90"), offer("C", "0.50")],
        Policy(preferred=frozenset({2}), excluded=frozenset({1})),
        ["B", "C"],
        {"A": "excluded by you"},
    ),
    "quantity outside the limits (0: none)": (
        THOUSAND,
        [offer("A", "0.1", min_quantity=5000), offer("B", "0.2", max_quantity=500),
         offer("C", "0.3", min_quantity=1000, max_quantity=0)],
        Policy(),
        ["C"],
        {"A": "minimum 5,000", "B": "maximum 500"},
    ),
    "refill and drip-feed asked for": (
        Ask("default", {"link": "x", "quantity": "100", "runs": "5", "interval": "10"},
            refill=True),
        [offer("A", "0.1", refill=True), offer("B", "0.2", dripfeed=True),
         offer("C", "0.3", refill=True, dripfeed=True)],
        Policy(),
        ["C"],
        {"A": "no drip-feed", "B": "no refill"},
    ),
    "only certain or confirmed matches": (
        THOUSAND,
        [offer("A", "0.1", match=UNSURE), offer("B", "0.2", match=CONFIRMED), offer("C", "0.3")],
        Policy(),
        ["B", "C"],
        {"A": "split from this offer by a person"},
    ),
    "a failing or switched-off panel, a service gone, another type": (
        THOUSAND,
        [offer("A", "0.1", failing=True), offer("B", "0.1", panel_active=False),
         offer("C", "0.1", service_active=False), offer("D", "0.1", order_type="package"),
         offer("E", "0.9")],
        Policy(),
        ["E"],
        {"A": "panel failing", "B": "panel switched off", "C": "service no longer listed",
         "D": "takes package orders"},
    ),
    "comments are counted by lines against the limits": (
        Ask("custom_comments", {"link": "x", "comments": "one\ntwo\nthree"}),
        [offer("A", "1", order_type="custom_comments", min_quantity=5),
         offer("B", "2", order_type="custom_comments", min_quantity=3)],
        Policy(),
        ["B"],
        {"A": "minimum 5"},
    ),
    "a panel completing too few of its orders, where routing looks (an unjudged one may)": (
        THOUSAND,
        [offer("A", "0.10", completed_share=0.6, completed_floor=0.8),
         offer("B", "0.20", completed_share=0.8, completed_floor=0.8),
         offer("C", "0.05", completed_share=None, completed_floor=0.8),
         offer("D", "0.01", completed_share=0.1)],  # floor 0: routing does not look
        Policy(),
        ["D", "C", "B"],
        {"A": "completed 60% of its recent orders, under 80%"},
    ),
    "a subscription without posts has no cost up front": (
        Ask("subscriptions", {"username": "x", "min": "10", "max": "20", "delay": "0"}),
        [offer("A", "1", order_type="subscriptions")],
        Policy(),
        [],
        {"A": "cost not known up front"},
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", CASES)
def test_the_ranking_and_the_reasons(case) -> None:
    ask, offers, policy, ranked, skipped = CASES[case]

    result = route(ask, offers, policy, base="USD")

    assert [choice.offer.panel for choice in result.ranked] == ranked
    assert {c.offer.panel: c.skipped for c in result.choices if not c.usable} == skipped


def test_costs_are_exact_in_both_currencies() -> None:
    result = route(THOUSAND, [offer("B", "0.8", currency="EUR", to_base=D("1.1"))], Policy(),
                   base="USD")  # fmt: skip
    (choice,) = result.choices
    assert (choice.cost, choice.cost_in_base) == (D("0.8"), D("0.88"))


@pytest.mark.parametrize(
    ("offers", "policy", "reason"),
    [
        ([offer("A", "0.30", balance=D("0.12")), offer("B", "0.39"), offer("C", "0.45")],
         Policy(), "B: 0.39 USD, cheapest of 2; A skipped: balance 0.12 USD"),
        ([offer("A", "0.30"), offer("B", "0.39")], Policy(preferred=frozenset({2})),
         "B: 0.39 USD, preferred (2 can take it)"),
        ([offer("A", "0.30"), offer("B", "0.39", failing=True)], Policy(),
         "A: 0.30 USD, the only one that can take it; B skipped: panel failing"),
        ([offer("A", "0.30", failing=True)], Policy(),
         "No panel can take this order: A skipped: panel failing"),
        ([], Policy(), "No panel offers it"),
    ],
)  # fmt: skip
def test_the_reason_kept_on_the_order(offers, policy, reason) -> None:
    assert route(THOUSAND, offers, policy, base="USD").reason() == reason


def test_the_order_of_the_offers_given_changes_nothing() -> None:
    offers = [offer(name, "0.5", balance=D("5") if name in "BD" else None) for name in "ABCDE"]
    first = route(THOUSAND, offers, Policy(), base="USD")
    again = route(THOUSAND, list(reversed(offers)), Policy(), base="USD")
    assert [c.offer.panel for c in first.ranked] == [c.offer.panel for c in again.ranked]
    assert [c.offer.panel for c in first.ranked] == ["B", "D", "A", "C", "E"]


def test_a_panel_with_two_services_for_the_offer_ranks_each() -> None:
    cheap = offer("A", "0.2")
    dear = replace(cheap, service_id=999, rate=D("0.3"))
    result = route(THOUSAND, [dear, cheap], Policy(), base="USD")
    assert [c.offer.service_id for c in result.ranked] == [cheap.service_id, 999]


@pytest.mark.django_db
def test_the_offers_are_read_from_the_panels_in_three_queries(django_assert_num_queries) -> None:
    from datetime import date

    from currency.models import CurrencySettings, ExchangeRate
    from orders.routing_offers import routing_offers
    from tests.factories import PanelFactory, ServiceFactory

    today = date(2026, 12, 1)
    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    ExchangeRate.objects.create(day=today, base="USD", currency="EUR", rate=D("0.5"))
    dollars = PanelFactory(name="Dollars", currency="USD", balance=D("0.10"))
    euros = PanelFactory(name="Euros", currency="EUR")
    roubles = PanelFactory(name="Roubles", currency="RUB")
    unknown = PanelFactory(name="Unknown", currency="")  # its balance never read
    # The same name on three panels: the same offer (the matcher keys it on save).
    key = ServiceFactory(panel=dollars, rate=D("0.05")).match_key
    ServiceFactory(panel=euros, rate=D("0.15"))  # 0.30 USD per 1000
    ServiceFactory(panel=roubles, rate=D("1"))
    ServiceFactory(panel=unknown, rate=D("0.01"))  # cheapest, if read as dollars
    ServiceFactory(panel=roubles, name="Instagram Likes", rate=D("0.01"))  # another offer

    with django_assert_num_queries(3):  # the base currency, the services, the rates
        base, offers = routing_offers(match_key=key, today=today)

    assert base == "USD"
    by_panel = {o.panel: o for o in offers}
    assert set(by_panel) == {"Dollars", "Euros", "Roubles", "Unknown"}
    assert (by_panel["Euros"].to_base, by_panel["Roubles"].to_base) == (D(2), None)
    assert by_panel["Unknown"].to_base is None
    ask = Ask("default", {"link": "https://x.com/a", "quantity": "3000"})
    assert route(ask, offers, Policy(), base=base).reason() == (
        "Euros: 0.90 USD, the only one that can take it; Dollars skipped: balance 0.10 USD; "
        "Roubles skipped: no exchange rate for RUB; Unknown skipped: currency not known"
    )
    assert routing_offers(match_key="", today=today)[1] == []


@pytest.mark.django_db
def test_the_delivery_record_limits_routing_where_asked(settings) -> None:
    """Where ROUTING_MIN_COMPLETED_PERCENT is set, each offer carries its panel's share of
    orders completed, read once and kept: a decision reads no more queries than without."""
    from datetime import timedelta

    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from currency.models import CurrencySettings
    from orders.delivery import COMPLETION_CACHE_KEY
    from orders.models import Order
    from orders.routing_offers import routing_offers
    from panels.api.normalise import Status
    from tests.factories import OrderFactory, PanelFactory, ServiceFactory

    CurrencySettings.objects.update_or_create(pk=1, defaults={"base_currency": "USD"})
    settings.ROUTING_MIN_COMPLETED_PERCENT, settings.ROUTING_MIN_DELIVERY_ORDERS = 80, 4
    sloppy = ServiceFactory(panel=PanelFactory(name="Sloppy", currency="USD"), rate=D("0.10"))
    steady = ServiceFactory(panel=PanelFactory(name="Steady", currency="USD"), rate=D("0.20"))
    fresh = ServiceFactory(panel=PanelFactory(name="Fresh", currency="USD"), rate=D("0.30"))
    placed = timezone.now() - timedelta(days=2)
    ended = {sloppy: [Status.COMPLETED] * 3 + [Status.CANCELED] * 2,  # 60%
             steady: [Status.COMPLETED] * 4 + [Status.PARTIAL],  # 80%
             fresh: [Status.CANCELED] * 3}  # 3 orders: too few to judge  # fmt: skip
    for service, statuses in ended.items():
        for status in statuses:
            OrderFactory(service=service, state=Order.State.PLACED, status=status,
                         placed_at=placed, finished_at=placed)  # fmt: skip
    cache.delete(COMPLETION_CACHE_KEY)
    today = timezone.localdate()
    routing_offers(match_key=sloppy.match_key, today=today)  # reads the record and keeps it
    with CaptureQueriesContext(connection) as limited:
        base, offers = routing_offers(match_key=sloppy.match_key, today=today)
    settings.ROUTING_MIN_COMPLETED_PERCENT = 0
    with CaptureQueriesContext(connection) as unlimited:
        routing_offers(match_key=sloppy.match_key, today=today)
    assert len(limited) == len(unlimited)

    ask = Ask("default", {"link": "https://x.com/a", "quantity": "1000"})
    assert route(ask, offers, Policy(), base=base).reason() == (
        "Steady: 0.20 USD, cheapest of 2; "
        "Sloppy skipped: completed 60% of its recent orders, under 80%"
    )
    cache.delete(COMPLETION_CACHE_KEY)
