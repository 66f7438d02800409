"""The overview page, login/logout and the health check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from overview import selectors
from panels.models import Panel, Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

# The orders of these tests share one link; each test names what it is about.
make_order = partial(OrderFactory, link="https://instagram.com/someone")

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


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


def test_healthz_answers_over_plain_http_for_any_host(client: Client, settings) -> None:
    """What a container healthcheck does: http://127.0.0.1:8000/healthz, in production."""
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["smm.example.com"]

    response = client.get("/healthz", headers={"Host": "127.0.0.1:8000"})

    assert response.status_code == 200
    assert response.content == b"ok"
    assert client.get(reverse("login"), headers={"Host": "127.0.0.1:8000"}).status_code == 400


def test_healthz_fails_when_the_broker_is_unreachable(client: Client, settings) -> None:
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.content == b"broker unavailable"


def test_healthz_fails_when_the_database_is_unreachable(client: Client, monkeypatch) -> None:
    from django.db import OperationalError, connection

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", down)

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.content.startswith(b"database unavailable")


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
    PanelFactory(
        name="Alpha SMM", balance=Decimal("1234.5"), currency="USD", health=Panel.Health.OK
    )
    PanelFactory(name="Beta Boost", balance=Decimal("3.20"), currency="EUR")

    html = logged_in.get(reverse("overview")).content.decode()

    assert "Alpha SMM" in html
    assert "1,234.50" in html
    assert "USD" in html
    assert "Beta Boost" in html
    assert "3.20" in html
    assert "Low balance" in html  # Beta is under the threshold


def test_it_escapes_a_malicious_last_error(logged_in: Client) -> None:
    PanelFactory(
        name="Evil",
        health=Panel.Health.FAILING,
        failing_since=timezone.now() - timedelta(hours=2),
        last_error="<script>alert(1)</script>",
        last_error_at=timezone.now(),
    )
    PanelFactory(name="<img src=x onerror=alert(2)>")

    html = logged_in.get(reverse("overview")).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<img src=x" not in html
    assert "Failing" in html


def test_it_returns_only_the_panel_cards_to_htmx(logged_in: Client) -> None:
    PanelFactory(name="Alpha SMM", balance=Decimal("50"), currency="USD")

    response = logged_in.get(reverse("overview"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="panel-cards"' in html
    assert 'hx-trigger="every 30s"' in html
    assert "Alpha SMM" in html
    assert "Needs attention" not in html


def test_it_explains_what_to_do_without_panels(logged_in: Client, user: User) -> None:
    assert not user.is_staff  # anyone who can log in can add a panel on the Panels page
    html = logged_in.get(reverse("overview")).content.decode()
    assert "No panels yet" in html
    assert f'href="{reverse("panels:add")}">Add your first panel</a>' in html


def test_it_lists_what_needs_attention(logged_in: Client) -> None:
    panel = PanelFactory(name="Alpha SMM", balance=Decimal("0"), currency="USD")
    PanelFactory(name="Down Panel", health=Panel.Health.FAILING, last_error="Connection refused")
    service = ServiceFactory(panel=panel)
    unknown = make_order(
        service=service, state=Order.State.UNKNOWN, link="https://example.com/<b>x</b>"
    )
    make_order(service=service, state=Order.State.REJECTED)

    html = logged_in.get(reverse("overview")).content.decode()

    assert "1 order</strong>" in html  # one with an unknown outcome
    # Its page is one click away for anyone who can log in, not only for staff.
    assert f'<a href="{reverse("orders:detail", args=[unknown.pk])}">#{unknown.pk}</a>' in html
    assert "https://example.com/&lt;b&gt;x&lt;/b&gt;" in html
    assert "Down Panel</strong> is not answering" in html
    assert "No funds" in html
    assert "rejected by a panel in the last 24 hours" in html


def test_the_rejected_orders_link_to_the_order_list(
    logged_in: Client, monkeypatch, settings
) -> None:
    settings.TIME_ZONE = "Europe/Berlin"
    at = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)  # 01:30 in Berlin: yesterday began on the 9th
    monkeypatch.setattr(timezone, "now", lambda: at)
    service = ServiceFactory(panel=PanelFactory(name="Alpha SMM", currency="USD"))
    rejected = make_order(service=service, state=Order.State.REJECTED)
    placed = make_order(service=service, state=Order.State.PLACED)

    html = logged_in.get(reverse("overview")).content.decode()

    href = "/orders/?state=rejected&amp;from=2026-03-09"
    assert f'<a href="{href}">Show the rejected orders since 9 Mar in the order list' in html
    listed = logged_in.get(href.replace("&amp;", "&")).content.decode()
    assert f'name="ids" value="{rejected.pk}"' in listed
    assert f'name="ids" value="{placed.pk}"' not in listed


def test_the_overview_has_new_order_and_upload_shortcuts(logged_in: Client) -> None:
    html = logged_in.get(reverse("overview")).content.decode()
    head = html.split('class="page-head', 1)[1].split("</div>\n</div>", 1)[0]
    assert '<a class="button button-primary" href="/orders/new/">New order</a>' in head
    assert '<a class="button button-quiet" href="/orders/upload/">Upload orders</a>' in head


def test_it_shows_all_clear_when_nothing_needs_attention(logged_in: Client) -> None:
    PanelFactory(name="Alpha SMM", balance=Decimal("500"), currency="USD", health=Panel.Health.OK)
    html = logged_in.get(reverse("overview")).content.decode()
    assert "All clear" in html


def test_it_shows_spend_per_currency(logged_in: Client) -> None:
    usd = ServiceFactory(panel=PanelFactory(currency="USD"))
    eur = ServiceFactory(panel=PanelFactory(currency="EUR"))
    placed = Order.State.PLACED
    make_order(service=usd, state=placed, charge=Decimal("1.25"), currency="USD")
    make_order(
        service=usd, state=placed, charge=None, estimated_cost=Decimal("0.75")
    )  # panel's USD
    make_order(service=eur, state=placed, charge=Decimal("10.00"), currency="EUR")
    make_order(service=usd, state=Order.State.QUEUED, estimated_cost=Decimal("99"))  # not placed
    make_order(service=usd, state=placed, charge=Decimal("50"), status="canceled")  # refunded

    html = logged_in.get(reverse("overview")).content.decode()

    assert "2.00" in html
    assert "10.00" in html
    assert "99.00" not in html
    assert "50.00" not in html


# ---- Selectors ------------------------------------------------------------------------------


def test_spend_is_decimal_and_grouped_by_currency() -> None:
    now = timezone.now()
    usd = ServiceFactory(panel=PanelFactory(currency="USD"))
    make_order(service=usd, state=Order.State.PLACED, charge=Decimal("0.10"), currency="USD")
    make_order(service=usd, state=Order.State.PLACED, charge=Decimal("0.20"), currency="USD")
    old = make_order(service=usd, state=Order.State.PLACED, charge=Decimal("5"), currency="USD")
    Order.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=3))
    ancient = make_order(service=usd, state=Order.State.PLACED, charge=Decimal("7"), currency="USD")
    Order.objects.filter(pk=ancient.pk).update(created_at=now - timedelta(days=8))

    [spend] = selectors.spend_by_currency(now=now)

    assert spend.currency == "USD"
    assert spend.last_24h == Decimal("0.30")
    assert isinstance(spend.last_24h, Decimal)
    assert spend.last_7d == Decimal("5.30")
    assert spend.orders_7d == 3


def test_spend_is_what_orders_finally_cost_after_their_refunds() -> None:
    now = timezone.now()
    usd = ServiceFactory(panel=PanelFactory(currency="USD"))
    make_order(service=usd, state=Order.State.PLACED, charge=Decimal("10"), currency="USD")
    make_order(
        service=usd,
        state=Order.State.PLACED,
        status="partial",
        charge=Decimal("10"),
        refund=Decimal("4"),
        currency="USD",
    )

    [spend] = selectors.spend_by_currency(now=now)
    [day] = selectors.spend_per_day(now=now)

    assert spend.last_24h == spend.last_7d == day.amount == Decimal("16")


def test_state_counts_cover_every_tile() -> None:
    service = ServiceFactory(panel=PanelFactory())
    for state in (Order.State.QUEUED, Order.State.QUEUED, Order.State.UNKNOWN):
        make_order(service=service, state=state)

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
            panel = PanelFactory(balance=Decimal("5"), currency="USD", health=Panel.Health.FAILING)
            service = ServiceFactory(panel=panel)
            make_order(service=service, state=Order.State.PLACED, charge=Decimal("1"))
            make_order(service=service, state=Order.State.UNKNOWN)
            make_order(service=service, state=Order.State.REJECTED)

    populate(2)
    logged_in.get(reverse("overview"))  # warm up: session, user, content types
    # 2 for the session and user; order counts, panels, spend (per day, the last 24 hours and 7
    # days in one), unknown orders, the base currency (no rates read: all spend is in it),
    # balance intervals that do not add up, alert messages that could not be sent, the month's
    # profit (summed by day; on PostgreSQL from the report totals, which it checks it can read)
    with django_assert_num_queries(10 + (connection.vendor == "postgresql")) as few:
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
        panel = Panel(
            name=name,
            api_url="https://x.example/api/v2",
            balance=balance,
            currency="USD",
            low_balance_threshold=threshold,
        )
        panel.api_key = "key-123"
        panel.save()

    html = client.get("/").content.decode()

    attention = html.split("Needs attention", 1)[1].split("Panels", 1)[0]
    assert "Roomy" in attention
    assert "Tight" not in attention


# ---- Spend per day (the chart) -----------------------------------------------------------------


def days_ago(days: int, hour: int = 12) -> object:
    """A moment `days` days before today, at `hour` o'clock in the site's time zone."""
    from datetime import datetime, time

    day = timezone.localdate() - timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def placed(service: Service, amount: str | None, when: object, **fields: object) -> Order:
    charge = Decimal(amount) if amount is not None else None
    order = make_order(service=service, state=Order.State.PLACED, charge=charge, **fields)
    Order.objects.filter(pk=order.pk).update(created_at=when)
    return order


def test_spend_per_day_is_exact_per_panel_and_day() -> None:
    alpha = ServiceFactory(panel=PanelFactory(name="Alpha", currency="USD"))
    beta = ServiceFactory(panel=PanelFactory(name="Beta", currency="USD"))
    placed(alpha, "0.1", days_ago(0, 9))
    placed(alpha, "0.2", days_ago(0, 10))
    placed(alpha, "0.000000000001", days_ago(0, 11))
    placed(beta, None, days_ago(0), estimated_cost=Decimal("2.5"))  # our estimate until charged
    placed(alpha, "1.10", days_ago(29))  # the first day of the chart
    placed(alpha, "5", days_ago(30))  # one day too old
    placed(alpha, "7", days_ago(3), status="canceled")  # money came back
    placed(alpha, "8", days_ago(3), status="refunded")
    make_order(service=alpha, state=Order.State.QUEUED, estimated_cost=Decimal("9"))  # not placed

    spend = selectors.spend_per_day(now=timezone.now())

    got = {(e.day, e.panel_id, e.currency): e.amount for e in spend}
    today = timezone.localdate()
    assert got == {
        (today, alpha.panel_id, "USD"): Decimal("0.300000000001"),
        (today, beta.panel_id, "USD"): Decimal("2.5"),
        (today - timedelta(days=29), alpha.panel_id, "USD"): Decimal("1.10"),
    }
    assert all(isinstance(e.amount, Decimal) for e in spend)


def test_spend_per_day_follows_the_site_time_zone(settings) -> None:
    from datetime import datetime

    settings.TIME_ZONE = "Asia/Tokyo"
    with timezone.override("Asia/Tokyo"):
        service = ServiceFactory(panel=PanelFactory(currency="USD"))
        tokyo = timezone.get_current_timezone()
        now = datetime(2025, 3, 10, 12, 0, tzinfo=tokyo)
        placed(service, "1", datetime(2025, 3, 9, 23, 50, tzinfo=tokyo))  # 14:50 UTC on the 9th
        placed(service, "2", datetime(2025, 3, 10, 0, 10, tzinfo=tokyo))  # 15:10 UTC on the 9th

        spend = selectors.spend_per_day(now=now)

    from datetime import date

    assert {e.day: e.amount for e in spend} == {
        date(2025, 3, 9): Decimal("1"),
        date(2025, 3, 10): Decimal("2"),
    }


def test_the_overview_draws_the_spend_chart(logged_in: Client) -> None:
    alpha = ServiceFactory(panel=PanelFactory(name="Alpha SMM", currency="USD"))
    beta = ServiceFactory(panel=PanelFactory(name="Beta <b>Boost</b>", currency="USD"))
    placed(alpha, "0.10", days_ago(0))
    placed(alpha, "0.20", days_ago(0))
    placed(beta, "1.005", days_ago(0))
    placed(alpha, "3", days_ago(6))

    html = logged_in.get(reverse("overview")).content.decode()

    assert "Spend per day" in html
    assert html.count('<svg class="spend-chart-svg"') == 1
    today = timezone.localdate()
    label = f"{today.day} {today:%b}"
    assert f"<title>Alpha SMM · {label}: 0.30 USD</title>" in html
    assert f"<title>Beta &lt;b&gt;Boost&lt;/b&gt; · {label}: 1.005 USD</title>" in html
    assert "<b>Boost</b>" not in html
    assert html.count("<rect ") == 3  # one segment per panel and day
    assert 'class="legend-name">Alpha SMM</span> <span class="legend-total">3.30</span>' in html
    assert 'class="legend-total">1.005</span>' in html
    assert "<strong>4.305</strong>" in html  # the 30 days in all
    # The scale: a round step (2 × 1), from 0 to four steps.
    assert '<div class="spend-chart-scale" aria-hidden="true"><span>4</span><span>3</span>' in html
    assert "Show the numbers" in html


def test_the_chart_has_one_panel_per_currency(logged_in: Client) -> None:
    usd = ServiceFactory(panel=PanelFactory(name="Dollar Panel", currency="USD"))
    eur = ServiceFactory(panel=PanelFactory(name="Euro Panel", currency="EUR"))
    placed(usd, "1.25", days_ago(1))
    placed(eur, "10", days_ago(2))
    placed(usd, "2", days_ago(2), currency="EUR")  # the order's own currency wins

    html = logged_in.get(reverse("overview")).content.decode()

    assert html.count('<svg class="spend-chart-svg"') == 2
    assert "EUR per day" in html
    assert "USD per day" in html
    eur_chart = html.split("EUR per day", 1)[1].split("USD per day", 1)[0]
    assert "Euro Panel" in eur_chart
    assert "Dollar Panel" in eur_chart
    assert "<strong>12.00</strong>" in eur_chart
    usd_chart = html.split("USD per day", 1)[1].split("</figure>", 1)[0]
    assert "Euro Panel" not in usd_chart
    assert "<strong>1.25</strong>" in usd_chart


def test_the_chart_explains_itself_without_spend(logged_in: Client) -> None:
    PanelFactory(name="Alpha SMM", currency="USD")
    html = logged_in.get(reverse("overview")).content.decode()
    assert "No spend in the last 30 days" in html
    assert "spend-chart-svg" not in html


@pytest.mark.parametrize(
    ("value", "step"),
    [
        ("0", "1"),
        ("0.3", "0.5"),
        ("1", "1"),
        ("1.01", "2"),
        ("2.6", "5"),
        ("7", "10"),
        ("12.5", "20"),
        ("0.0012", "0.002"),
        ("4999", "5000"),
    ],
)
def test_the_scale_steps_are_round(value: str, step: str) -> None:
    from core.charts import nice_step

    assert nice_step(Decimal(value)) == Decimal(step)


def test_the_chart_query_count_does_not_grow_with_days_or_panels(
    logged_in: Client, django_assert_num_queries, django_assert_max_num_queries
) -> None:
    def populate(panels: int) -> None:
        for _ in range(panels):
            service = ServiceFactory(panel=PanelFactory(currency="USD"))
            for day in range(0, 30, 3):
                placed(service, "1.5", days_ago(day))

    populate(1)
    logged_in.get(reverse("overview"))
    # on PostgreSQL one more: whether the month's profit can be read from the report totals
    with django_assert_max_num_queries(10 + (connection.vendor == "postgresql")) as few:
        logged_in.get(reverse("overview"))
    populate(6)
    with django_assert_num_queries(len(few.captured_queries)):
        html = logged_in.get(reverse("overview")).content.decode()
    assert html.count("<rect ") == 70


# ---- Orders by status, and the way to the order list -------------------------------------------


def test_the_overview_counts_placed_orders_by_panel_status(logged_in: Client) -> None:
    service = ServiceFactory(panel=PanelFactory(currency="USD"))
    for status in ("pending", "in_progress", "in_progress", "completed", ""):
        make_order(service=service, state=Order.State.PLACED, status=status)
    make_order(service=service, state=Order.State.UNKNOWN)

    html = logged_in.get(reverse("overview")).content.decode()

    assert "Placed orders by panel status" in html
    in_progress = (
        '/orders/?state=placed&amp;status=in_progress">In progress <span class="chip-n">2<'
    )
    assert in_progress in html
    assert 'Awaiting status <span class="chip-n">1</span>' in html
    assert 'href="/orders/?attention=yes"' in html  # the unknown one, in the order list
    counts = selectors.order_counts(now=timezone.now())
    assert counts.total == {"placed": 5, "unknown": 1}
    assert counts.placed_by_status == {"pending": 1, "in_progress": 2, "completed": 1, "": 1}


def test_past_the_count_cap_the_overview_says_more_than_it(logged_in: Client, monkeypatch) -> None:
    """Counting all the orders of a state stops at the cap (10,000; 2 here): the overview says
    "2+" and "many more", never a number it did not count. The windows stay exact."""
    from core import counting

    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    service = ServiceFactory(panel=PanelFactory(currency="USD"))
    for _ in range(4):
        make_order(service=service, state=Order.State.QUEUED)
        make_order(service=service, state=Order.State.PLACED, status="completed")
    for _ in range(7):  # five are named
        make_order(service=service, state=Order.State.UNKNOWN)
    make_order(service=service, state=Order.State.PLACED, status="pending")

    html = logged_in.get(reverse("overview")).content.decode()

    assert '<span class="tile-count" title="More than 2: counting stops there">2+</span>' in html
    assert "<strong>2+ orders</strong>" in html  # of unknown outcome
    assert '<li class="muted">and many more</li>' in html
    assert 'Completed <span class="chip-n" title="More than 2: counting stops there">2+<' in html
    assert 'Pending <span class="chip-n">1</span>' in html
    counts = selectors.order_counts(now=timezone.now())
    assert counts.last_24h == {"queued": 4, "unknown": 7, "placed": 5}  # windows: exact


def test_the_overview_counts_are_one_query_however_many_orders(
    django_assert_num_queries, monkeypatch
) -> None:
    from core import counting

    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    service = ServiceFactory(panel=PanelFactory(currency="USD"))
    with django_assert_num_queries(1):
        selectors.order_counts(now=timezone.now())
    for _ in range(5):
        make_order(service=service, state=Order.State.UNKNOWN, attention="x")
    with django_assert_num_queries(1):
        counts = selectors.order_counts(now=timezone.now())
    assert counts.raised == {"unknown": 3}  # more than 2
