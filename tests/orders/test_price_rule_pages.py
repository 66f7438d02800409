"""The price rules page: signed in only, CSRF on every write, plain messages for what is
wrong, and rules named the way people know them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import PriceRule
from tests.factories import PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db
URL = reverse("orders:price_rules")
Scope = PriceRule.Scope


@pytest.fixture
def service():
    return ServiceFactory(
        panel=PanelFactory(name="Alpha"), remote_id="17", name="Instagram Followers", category="IG"
    )


def post(client: Client, **data: str):
    return client.post(URL, {"scope": "default", **data})


def test_signed_out_people_are_sent_to_log_in(client: Client) -> None:
    for response in (client.get(URL), client.post(URL, {"scope": "default"})):
        assert response.status_code == 302
        assert "/login" in response["Location"]
    assert not PriceRule.objects.exists()


def test_a_write_needs_the_csrf_token(user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(URL, {"scope": "default", "markup_percent": "10"}).status_code == 403
    rule = PriceRule.objects.create(markup_percent=Decimal("1"))
    delete = reverse("orders:price_rule_delete", args=[rule.pk])
    assert client.post(delete).status_code == 403
    assert PriceRule.objects.filter(pk=rule.pk).exists()


def test_a_default_rule_with_a_decimal_comma(logged_in: Client) -> None:
    response = post(logged_in, markup_percent="12,5", min_price="1,50", note="<b>bold</b>")
    assert response.status_code == 302
    rule = PriceRule.objects.get()
    assert (rule.scope, rule.markup_percent, rule.markup_fixed, rule.min_price) == (
        Scope.DEFAULT,
        Decimal("12.5"),
        None,
        Decimal("1.50"),
    )
    page = logged_in.get(URL).content.decode()
    assert "Every service" in page
    assert "+12.50%, at least 1.50 USD" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<b>bold</b>" not in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, None, "Give a markup (percent or fixed), a minimum sale price, or both."),
        ({"markup_percent": "abc"}, "markup_percent", "is not an amount"),
        ({"markup_fixed": "1e9"}, "markup_fixed", "is not an amount"),
        ({"min_price": "-1"}, "min_price", "cannot be negative"),
        ({"scope": "panel", "markup_percent": "5"}, "panel", "Choose the panel"),
        ({"scope": "category", "markup_percent": "5", "panel": "PANEL"}, "category",
         "Write the category"),
        ({"scope": "service", "markup_percent": "5", "panel": "PANEL", "service": "999"},
         "service", "Alpha has no service with ID '999'."),
        ({"scope": "service", "markup_percent": "5", "panel": "PANEL"}, "service",
         "Write the panel's service ID."),
    ],
)  # fmt: skip
def test_what_is_wrong_is_said_plainly(logged_in: Client, service, data, field, message) -> None:
    data = {k: (str(service.panel.pk) if v == "PANEL" else v) for k, v in data.items()}
    response = post(logged_in, **data)
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert any(message in error for error in errors), form.errors
    assert not PriceRule.objects.exists()


def test_each_scope_names_what_it_applies_to(logged_in: Client, service) -> None:
    panel = str(service.panel.pk)
    post(logged_in, scope="panel", panel=panel, markup_fixed="0.10")
    post(logged_in, scope="category", panel=panel, category="IG", markup_percent="20")
    post(logged_in, scope="service", panel=panel, service="17", markup_percent="30")
    post(logged_in, scope="offer", panel=panel, service="17", markup_percent="40")
    rules = {r.scope: r for r in PriceRule.objects.all()}
    assert rules[Scope.PANEL].panel == service.panel
    assert (rules[Scope.CATEGORY].panel, rules[Scope.CATEGORY].category) == (service.panel, "IG")
    assert rules[Scope.SERVICE].service == service
    assert rules[Scope.OFFER].match_key == service.match_key != ""
    page = logged_in.get(URL).content.decode()
    # In the order they win: service, offer, category, panel.
    assert page.index("+30%") < page.index("+40%") < page.index("+20%") < page.index("+0.10")
    assert "Alpha · #17 Instagram Followers" in page
    assert "Offers like “Instagram Followers” on every panel" in page


def test_an_unrecognised_service_cannot_be_an_offer(logged_in: Client) -> None:
    odd = ServiceFactory(name="Mystery pack", category="Misc")
    assert odd.match_key == ""
    response = post(
        logged_in, scope="offer", panel=str(odd.panel.pk), service=odd.remote_id, min_price="1"
    )
    assert response.status_code == 400
    assert "make the rule for the service itself" in response.content.decode()


def test_removing_a_rule(logged_in: Client) -> None:
    rule = PriceRule.objects.create(markup_percent=Decimal("1"))
    delete = reverse("orders:price_rule_delete", args=[rule.pk])
    assert logged_in.get(delete).status_code == 405
    assert logged_in.post(delete).status_code == 302
    assert not PriceRule.objects.exists()
    assert logged_in.post(delete, follow=True).status_code == 200  # already gone: said, no error


def test_changing_a_rule_keeps_its_age_and_clears_what_no_longer_applies(
    logged_in: Client, service
) -> None:
    post(logged_in, scope="offer", panel=str(service.panel.pk), service="17", markup_fixed="0,5")
    rule = PriceRule.objects.get()
    edit = reverse("orders:price_rule_edit", args=[rule.pk])
    page = logged_in.get(edit).content.decode()
    # The form shows the rule as it was entered: the offer by a service that sells it.
    assert 'value="17"' in page
    assert 'name="markup_fixed" value="0.50"' in page
    assert "Change the rule" in page
    response = logged_in.post(
        edit, {"scope": "panel", "panel": str(service.panel.pk), "markup_percent": "7"}
    )
    assert response.status_code == 302
    changed = PriceRule.objects.get()
    assert (changed.pk, changed.created_at) == (rule.pk, rule.created_at)
    assert (changed.scope, changed.panel, changed.match_key) == (Scope.PANEL, service.panel, "")
    assert (changed.markup_percent, changed.markup_fixed) == (Decimal("7"), None)
    wrong = logged_in.post(edit, {"scope": "panel", "markup_percent": "7"})
    assert wrong.status_code == 400
    assert "Choose the panel this rule is for." in wrong.content.decode()
    assert logged_in.get(reverse("orders:price_rule_edit", args=[999])).status_code == 404
