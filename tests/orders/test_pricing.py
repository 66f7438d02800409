"""Price rules suggest a sale price: the most specific rule wins (service, offer, category,
panel, everything), the newest between two of one kind; the cost is converted to the base
currency at the day's rate, and a missing rate says so instead of suggesting."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from currency.conversion import Converter
from currency.models import ExchangeRate
from orders.models import PriceRule
from orders.pricing import apply_rule, price_rules_for, suggest_sale_price
from tests.factories import PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

DAY = date(2026, 12, 4)
Scope = PriceRule.Scope


def rule(**fields) -> PriceRule:
    fields.setdefault("markup_percent", Decimal("10"))
    return PriceRule.objects.create(**fields)


@pytest.fixture
def service():
    panel = PanelFactory(currency="USD")
    return ServiceFactory(
        panel=panel, name="Instagram Followers", category="Instagram", rate=Decimal("2.00")
    )


def winner(service) -> PriceRule | None:
    return price_rules_for([service]).for_service(service)


def test_the_most_specific_rule_wins(service) -> None:
    other_panel = PanelFactory()
    everything = rule(scope=Scope.DEFAULT)
    assert winner(service) == everything
    rule(scope=Scope.PANEL, panel=other_panel)  # another panel's: never applies
    panel_rule = rule(scope=Scope.PANEL, panel=service.panel)
    assert winner(service) == panel_rule
    rule(scope=Scope.CATEGORY, panel=service.panel, category="TikTok")
    category = rule(scope=Scope.CATEGORY, panel=service.panel, category="Instagram")
    assert winner(service) == category
    assert service.match_key  # "Instagram Followers" is an offer other panels sell too
    offer = rule(scope=Scope.OFFER, match_key=service.match_key)
    assert winner(service) == offer
    own = rule(scope=Scope.SERVICE, service=service)
    assert winner(service) == own
    # Newer, but less specific: the service's own rule still wins.
    rule(scope=Scope.PANEL, panel=service.panel)
    assert winner(service) == own


def test_between_two_rules_of_one_scope_the_newest_wins(service) -> None:
    older = rule(scope=Scope.PANEL, panel=service.panel)
    newer = rule(scope=Scope.PANEL, panel=service.panel)
    PriceRule.objects.filter(pk=older.pk).update(created_at=timezone.now())
    PriceRule.objects.filter(pk=newer.pk).update(created_at=timezone.now() - timedelta(days=1))
    assert winner(service) == older
    PriceRule.objects.filter(pk=newer.pk).update(created_at=timezone.now() + timedelta(days=1))
    assert winner(service) == newer


def test_an_offer_rule_follows_the_offer_to_another_panel(service) -> None:
    twin = ServiceFactory(panel=PanelFactory(), name="Instagram followers", category="IG")
    unrelated = ServiceFactory(panel=twin.panel, name="Telegram channel members")
    assert twin.match_key == service.match_key != unrelated.match_key
    offer = rule(scope=Scope.OFFER, match_key=service.match_key)
    rules = price_rules_for([twin, unrelated])
    assert rules.for_service(twin) == offer
    assert rules.for_service(unrelated) is None


def test_rules_for_many_services_are_one_query(service, django_assert_num_queries) -> None:
    services = [service, *(ServiceFactory(panel=PanelFactory()) for _ in range(5))]
    rule(scope=Scope.DEFAULT)
    with django_assert_num_queries(1):
        rules = price_rules_for(services)
    with django_assert_num_queries(0):
        assert all(rules.for_service(s) is not None for s in services)


@pytest.mark.parametrize(
    ("percent", "fixed", "minimum", "cost", "price"),
    [
        ("50", None, None, "2.00", "3.00"),
        (None, "0.25", None, "2.00", "2.25"),
        ("10", "0.05", None, "1.00", "1.15"),
        ("10", None, "5", "1.00", "5"),  # the minimum lifts it
        ("10", None, "0.50", "1.00", "1.10"),  # the minimum is below: no effect
        (None, None, "3", "0.01", "3"),  # a minimum alone
        ("33.333", None, None, "0.003", "0.00399999"),  # exact, never rounded on the way
    ],
)
def test_the_rule_is_applied_exactly(percent, fixed, minimum, cost, price) -> None:
    given = {"markup_percent": percent, "markup_fixed": fixed, "min_price": minimum}
    as_decimal = {k: (Decimal(v) if v is not None else None) for k, v in given.items()}
    assert apply_rule(PriceRule(**as_decimal), Decimal(cost)) == Decimal(price)


def test_a_suggestion_from_the_order_fields(service) -> None:
    rule(scope=Scope.DEFAULT, markup_percent=Decimal("50"))
    suggestion = suggest_sale_price(service, {"link": "https://x.com/a", "quantity": "1,000"}, DAY)
    # 1000 × 2.00 per 1000 = 2.00 USD; + 50%
    assert (suggestion.cost, suggestion.price, suggestion.problem) == (
        Decimal("2.00"),
        Decimal("3.00"),
        "",
    )
    assert suggestion.explanation == "Cost 2.00 USD, +50%"


def test_a_cost_in_another_currency_is_converted_at_the_days_rate() -> None:
    service = ServiceFactory(panel=PanelFactory(currency="RUB"), rate=Decimal("100"))
    ExchangeRate.objects.create(day=DAY - timedelta(days=1), base="USD", currency="RUB", rate=80)
    ExchangeRate.objects.create(day=DAY + timedelta(days=1), base="USD", currency="RUB", rate=1)
    rule(scope=Scope.DEFAULT, markup_percent=None, markup_fixed=Decimal("1"))
    suggestion = suggest_sale_price(service, {"link": "https://x.com/a", "quantity": "1000"}, DAY)
    # 100 RUB at the day before's 80 RUB per USD (the later rate is not used): 1.25 USD + 1
    assert suggestion.price == Decimal("2.25")
    assert suggestion.rate_day == DAY - timedelta(days=1)
    assert suggestion.note == "from RUB at the 2026-12-03 rate"


def test_a_missing_rate_says_so_instead_of_suggesting() -> None:
    service = ServiceFactory(panel=PanelFactory(currency="EUR"))
    rule(scope=Scope.DEFAULT)
    suggestion = suggest_sale_price(service, {"link": "https://x.com/a", "quantity": "100"}, DAY)
    assert suggestion.price is None
    assert suggestion.problem.startswith("No suggestion: No EUR → USD rate on 2026-12-04")


def test_no_rule_or_no_cost_means_no_suggestion(service) -> None:
    none = suggest_sale_price(service, {"link": "https://x.com/a", "quantity": "100"}, DAY)
    assert (none.price, none.problem) == (None, "No price rule applies to this service.")
    rule(scope=Scope.DEFAULT)
    unknown = suggest_sale_price(service, {"link": "https://x.com/a", "quantity": "1,5"}, DAY)
    assert (unknown.price, unknown.problem) == (None, "The cost is not known yet.")


def test_a_converter_is_reused_across_suggestions(service, django_assert_max_num_queries) -> None:
    rule(scope=Scope.DEFAULT)
    rules, converter = price_rules_for([service]), Converter(base="USD")
    with django_assert_max_num_queries(0):
        for quantity in ("100", "200", "300"):
            values = {"link": "https://x.com/a", "quantity": quantity}
            suggest_sale_price(service, values, DAY, rules=rules, converter=converter)


def test_a_suggestion_keeps_the_places_a_sale_price_is_stored_with() -> None:
    # 1/3 of a cent has no end: kept to the 12 places Order.sale_price stores, once.
    third = PriceRule(markup_fixed=Decimal(1) / Decimal(3))
    assert apply_rule(third, Decimal("0")) == Decimal("0.333333333333")
    assert str(apply_rule(PriceRule(markup_percent=Decimal("100")), Decimal("2.50"))) == "5"
