"""The overview page, login/logout and the health check."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard import selectors
from orders.models import Order
from panels.models import Panel, Service

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
_seq = count(1)


def make_panel(name: str | None = None, **fields: object) -> Panel:
    panel = Panel(
        name=name or f"Panel {next(_seq)}",
        api_url="https://panel.example/api/v2",
        **fields,
    )
    panel.api_key = "secret-key-0123456789"
    panel.save()
    return panel


def make_service(panel: Panel, **fields: object) -> Service:
    values: dict[str, object] = {
        "remote_id": str(next(_seq)),
        "name": "Instagram Followers",
        "rate": Decimal("1.50"),
        "min_quantity": 10,
        "max_quantity": 10_000,
    }
    values.update(fields)
    return Service.objects.create(panel=panel, **values)


def make_order(service: Service, **fields: object) -> Order:
    values: dict[str, object] = {
        "panel": service.panel,
        "service": service,
        "link": "https://instagram.com/someone",
        "quantity": 1000,
    }
    values.update(fields)
    return Order.objects.create(**values)


@pytest.fixture
def user(db: None) -> User:
    return User.objects.create_user("alice", password=PASSWORD)


@pytest.fixture
def logged_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


# ---- Login required everywhere -----------------------------------------------------------


@pytest.mark.parametrize("url_name", ["overview"])
def test_it_redirects_anonymous_users_to_login(client: Client, url_name: str) -> None:
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_it_redirects_anonymous_users_away_from_admin(client: Client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response.url


def test_it_sends_an_expired_htmx_poll_to_the_full_login_page(client: Client) -> None:
    headers = {"HX-Request": "true", "HX-Current-URL": "http://testserver/?page=2"}
    response = client.get(reverse("overview"), headers=headers, follow=True)
    assert response.headers["HX-Redirect"] == f"{reverse('login')}?next=%2F%3Fpage%3D2"
    assert b"<form" not in response.content


def test_it_answers_healthz_without_login(client: Client) -> None:
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")


# ---- Login and logout --------------------------------------------------------------------


def test_it_shows_the_login_form(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "SMM Dashboard" in html
    assert 'name="username"' in html
    assert "autofocus" in html


def test_it_logs_in_with_good_credentials(client: Client, user: User) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("overview")
    assert client.get(reverse("overview")).status_code == 200


def test_it_shows_a_clear_error_for_bad_credentials(client: Client, user: User) -> None:
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Please enter a correct username and password" in html
    assert "_auth_user_id" not in client.session


def test_it_logs_out_only_with_post(logged_in: Client) -> None:
    assert logged_in.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in logged_in.session

    response = logged_in.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("login")
    assert "_auth_user_id" not in logged_in.session


def test_it_has_a_logout_form_with_csrf(logged_in: Client) -> None:
    html = logged_in.get(reverse("overview")).content.decode()
    assert f'action="{reverse("logout")}"' in html
    assert "csrfmiddlewaretoken" in html
    assert "X-CSRFToken" in html


# ---- Overview -------------------------------------------------------------------------------


def test_it_shows_panel_balances(logged_in: Client) -> None:
    make_panel("Alpha SMM", balance=Decimal("1234.5"), currency="USD", health=Panel.Health.OK)
    make_panel("Beta Boost", balance=Decimal("3.20"), currency="EUR")

    html = logged_in.get(reverse("overview")).content.decode()

    assert "Alpha SMM" in html
    assert "1,234.50" in html
    assert "USD" in html
    assert "Beta Boost" in html
    assert "3.20" in html
    assert "Low balance" in html  # Beta is under the threshold


def test_it_escapes_a_malicious_last_error(logged_in: Client) -> None:
    make_panel(
        "Evil",
        health=Panel.Health.FAILING,
        failing_since=timezone.now() - timedelta(hours=2),
        last_error="<script>alert(1)</script>",
        last_error_at=timezone.now(),
    )
    make_panel("<img src=x onerror=alert(2)>")

    html = logged_in.get(reverse("overview")).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<img src=x" not in html
    assert "Failing" in html


def test_it_returns_only_the_panel_cards_to_htmx(logged_in: Client) -> None:
    make_panel("Alpha SMM", balance=Decimal("50"), currency="USD")

    response = logged_in.get(reverse("overview"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="panel-cards"' in html
    assert 'hx-trigger="every 30s"' in html
    assert "Alpha SMM" in html
    assert "Needs attention" not in html


def test_it_explains_what_to_do_without_panels(logged_in: Client, user: User) -> None:
    html = logged_in.get(reverse("overview")).content.decode()
    assert "No panels yet" in html
    assert "Ask an administrator" in html

    user.is_staff = user.is_superuser = True
    user.save()
    html = logged_in.get(reverse("overview")).content.decode()
    assert "Add a panel in the admin" in html
    assert reverse("admin:panels_panel_add") in html


def test_it_lists_what_needs_attention(logged_in: Client) -> None:
    panel = make_panel("Alpha SMM", balance=Decimal("0"), currency="USD")
    make_panel("Down Panel", health=Panel.Health.FAILING, last_error="Connection refused")
    service = make_service(panel)
    make_order(service, state=Order.State.UNKNOWN, link="https://example.com/<b>x</b>")
    make_order(service, state=Order.State.REJECTED)

    html = logged_in.get(reverse("overview")).content.decode()

    assert "1 order</strong>" in html  # one with an unknown outcome
    assert "https://example.com/&lt;b&gt;x&lt;/b&gt;" in html
    assert "Down Panel</strong> is not answering" in html
    assert "No funds" in html
    assert "rejected by a panel in the last 24 hours" in html


def test_it_shows_all_clear_when_nothing_needs_attention(logged_in: Client) -> None:
    make_panel("Alpha SMM", balance=Decimal("500"), currency="USD", health=Panel.Health.OK)
    html = logged_in.get(reverse("overview")).content.decode()
    assert "All clear" in html


def test_it_shows_spend_per_currency(logged_in: Client) -> None:
    usd = make_service(make_panel(currency="USD"))
    eur = make_service(make_panel(currency="EUR"))
    placed = Order.State.PLACED
    make_order(usd, state=placed, charge=Decimal("1.25"), currency="USD")
    make_order(usd, state=placed, charge=None, estimated_cost=Decimal("0.75"))  # panel's USD
    make_order(eur, state=placed, charge=Decimal("10.00"), currency="EUR")
    make_order(usd, state=Order.State.QUEUED, estimated_cost=Decimal("99"))  # not placed
    make_order(usd, state=placed, charge=Decimal("50"), status="canceled")  # refunded

    html = logged_in.get(reverse("overview")).content.decode()

    assert "2.00" in html
    assert "10.00" in html
    assert "99.00" not in html
    assert "50.00" not in html


# ---- Selectors ------------------------------------------------------------------------------


def test_spend_is_decimal_and_grouped_by_currency() -> None:
    now = timezone.now()
    usd = make_service(make_panel(currency="USD"))
    make_order(usd, state=Order.State.PLACED, charge=Decimal("0.10"), currency="USD")
    make_order(usd, state=Order.State.PLACED, charge=Decimal("0.20"), currency="USD")
    old = make_order(usd, state=Order.State.PLACED, charge=Decimal("5"), currency="USD")
    Order.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=3))
    ancient = make_order(usd, state=Order.State.PLACED, charge=Decimal("7"), currency="USD")
    Order.objects.filter(pk=ancient.pk).update(created_at=now - timedelta(days=8))

    [spend] = selectors.spend_by_currency(now=now)

    assert spend.currency == "USD"
    assert spend.last_24h == Decimal("0.30")
    assert isinstance(spend.last_24h, Decimal)
    assert spend.last_7d == Decimal("5.30")
    assert spend.orders_7d == 3


def test_state_counts_cover_every_tile() -> None:
    service = make_service(make_panel())
    for state in (Order.State.QUEUED, Order.State.QUEUED, Order.State.UNKNOWN):
        make_order(service, state=state)

    counts = selectors.order_counts(now=timezone.now())

    assert counts.total == {"queued": 2, "unknown": 1}
    assert {t.state: t.count for t in counts.tiles} == {
        "queued": 2,
        "submitting": 0,
        "unknown": 1,
        "rejected": 0,
        "placed": 0,
    }
    assert counts.last_24h == {"queued": 2, "unknown": 1}


def test_the_overview_query_count_does_not_grow_with_panels(
    logged_in: Client, django_assert_num_queries
) -> None:
    def populate(n: int) -> None:
        for _ in range(n):
            panel = make_panel(balance=Decimal("5"), currency="USD", health=Panel.Health.FAILING)
            service = make_service(panel)
            make_order(service, state=Order.State.PLACED, charge=Decimal("1"))
            make_order(service, state=Order.State.UNKNOWN)
            make_order(service, state=Order.State.REJECTED)

    populate(2)
    logged_in.get(reverse("overview"))  # warm up: session, user, content types
    with django_assert_num_queries(6) as few:
        assert logged_in.get(reverse("overview")).status_code == 200

    populate(10)
    with django_assert_num_queries(len(few.captured_queries)):
        assert logged_in.get(reverse("overview")).status_code == 200


@pytest.mark.django_db
def test_a_panels_own_low_balance_threshold_wins_over_the_site_wide_one(client, settings):
    from django.contrib.auth import get_user_model

    from panels.models import Panel

    settings.LOW_BALANCE_THRESHOLD = "10"
    user = get_user_model().objects.create_user("owner", password="pw-123456")
    client.force_login(user)
    for name, balance, threshold in (("Roomy", "50", "100"), ("Tight", "5", "1")):
        panel = Panel(name=name, api_url="https://x.example/api/v2", balance=balance,
                      currency="USD", low_balance_threshold=threshold)  # fmt: skip
        panel.api_key = "key-123"
        panel.save()

    html = client.get("/").content.decode()

    attention = html.split("Needs attention", 1)[1].split("Panels", 1)[0]
    assert "Roomy" in attention
    assert "Tight" not in attention
