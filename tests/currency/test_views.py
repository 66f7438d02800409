"""The Rates page: login and CSRF, the base currency, the rates URL, a rate entered by hand
(and what bad input says), Fetch now, and the latest rates with their day and source."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from currency.models import CurrencySettings, ExchangeRate
from tests.currency.helpers import ECB_DAILY, file_server

pytestmark = pytest.mark.django_db

URL = "/rates/"
FRI = date(2026, 12, 4)


@pytest.fixture(autouse=True)
def _usd(settings) -> None:
    settings.BASE_CURRENCY = "USD"


def test_it_needs_a_login_for_every_rates_url(client: Client) -> None:
    assert client.get(URL).status_code == 302
    for name in ("currency:base_set", "currency:url_set", "currency:fetch", "currency:add"):
        response = client.post(reverse(name), {"base_currency": "EUR"})
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))
    assert CurrencySettings.objects.filter(base_currency="EUR").count() == 0


def test_writes_need_csrf(user) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("currency:base_set"), {"base_currency": "EUR"}).status_code == 403
    assert CurrencySettings.load().base_currency == "USD"


def test_the_page_is_in_the_nav_and_shows_the_base_currency(logged_in: Client) -> None:
    html = logged_in.get(URL).content.decode()
    assert f'<a href="{URL}" aria-current="page">Rates</a>' in html
    assert "Totals across panels are shown in <strong>USD</strong>" in html
    assert "No rates yet" in html
    assert "Fetch now" not in html  # no URL set yet


def test_it_changes_the_base_currency(logged_in: Client) -> None:
    response = logged_in.post(reverse("currency:base_set"), {"base_currency": " eur "}, follow=True)
    assert CurrencySettings.load().base_currency == "EUR"
    assert "Totals are now shown in EUR." in response.content.decode()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("EURO", "&#x27;EURO&#x27; is not a currency: type its three letters, such as USD."),
        ("€", "&#x27;€&#x27; is not a currency: type its three letters, such as USD."),
        ("", "This field is required."),
        ("<b>x</b>", "&#x27;&lt;b&gt;x&lt;/b&gt;&#x27; is not a currency"),
    ],
)
def test_a_bad_base_currency_is_refused_with_a_clear_message(
    logged_in: Client, typed: str, error: str
) -> None:
    response = logged_in.post(reverse("currency:base_set"), {"base_currency": typed})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert CurrencySettings.load().base_currency == "USD"


def test_it_adds_and_corrects_a_rate_by_hand(logged_in: Client) -> None:
    data = {"currency": "rub", "day": "2026-12-04", "rate": "92.5"}
    response = logged_in.post(reverse("currency:add"), data, follow=True)
    assert "Saved: on 2026-12-04, 1 USD = 92.5 RUB." in response.content.decode()
    logged_in.post(reverse("currency:add"), {**data, "rate": "93"})
    row = ExchangeRate.objects.get()
    assert (row.day, row.base, row.currency, row.rate, row.source) == (
        FRI, "USD", "RUB", Decimal("93"), "manual",
    )  # fmt: skip
    html = logged_in.get(URL).content.decode()
    assert '<th scope="row" class="mono">RUB</th>' in html
    assert "1 USD = 93 RUB" in html
    assert '<td class="num">0.0107527</td>' in html  # 1 RUB in USD, read at display only
    assert "Entered by hand" in html


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"currency": "RUB", "day": "2026-12-04", "rate": "0"}, "A rate is a number above 0"),
        ({"currency": "RUB", "day": "2026-12-04", "rate": "-3"}, "A rate is a number above 0"),
        ({"currency": "RUB", "day": "2026-12-04", "rate": "abc"}, "A rate is a number, such as"),
        ({"currency": "RUB", "day": "2026-12-04", "rate": "NaN"}, "A rate is a number, such as"),
        ({"currency": "RUB", "day": "4 Dec", "rate": "92"}, "Enter a valid date."),
        ({"currency": "RUBLE", "day": "2026-12-04", "rate": "92"}, "is not a currency"),
        ({"currency": "usd", "day": "2026-12-04", "rate": "2"}, "USD is the base currency"),
    ],
    ids=["zero", "negative", "text", "nan", "day", "code", "base"],
)
def test_a_bad_rate_is_refused_with_a_clear_error(
    logged_in: Client, data: dict[str, str], error: str
) -> None:
    response = logged_in.post(reverse("currency:add"), data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert ExchangeRate.objects.count() == 0


def test_it_saves_the_rates_url_and_fetches_now(logged_in: Client, tmp_path: Path) -> None:
    (tmp_path / "eurofxref-daily.xml").write_bytes(ECB_DAILY.read_bytes())
    with file_server(tmp_path) as server:
        logged_in.post(reverse("currency:url_set"), {"rates_url": f"{server}/eurofxref-daily.xml"})
        response = logged_in.post(reverse("currency:fetch"), follow=True)
    html = response.content.decode()
    assert "Fetched 30 rates for 2026-12-04." in html
    assert '<span class="badge badge-ok">Fetched</span>' in html
    assert "1 EUR = 1.0537 USD" in html
    assert '<th scope="row" class="mono">EUR</th>' in html  # EUR read through USD, the base
    assert '<td class="num">1.0537</td>' in html
    assert "1 EUR = 0.83205 GBP" in html


def test_a_failed_fetch_says_so_on_the_page_and_keeps_the_rates(logged_in: Client) -> None:
    ExchangeRate.objects.create(day=FRI, base="USD", currency="RUB", rate=Decimal("92"))
    logged_in.post(reverse("currency:url_set"), {"rates_url": "http://127.0.0.1:9/rates.xml"})
    response = logged_in.post(reverse("currency:fetch"), follow=True)
    html = response.content.decode()
    assert "Last fetch failed" in html
    assert "The rates source could not connect (http://127.0.0.1:9/rates.xml)." in html
    assert "The rates stored before are kept." in html
    assert "1 USD = 92 RUB" in html


def test_a_rates_url_must_be_a_url(logged_in: Client) -> None:
    response = logged_in.post(reverse("currency:url_set"), {"rates_url": "javascript:alert(1)"})
    assert response.status_code == 400
    assert "Enter a valid URL." in response.content.decode()
    assert CurrencySettings.load().rates_url == ""


def test_the_admin_lists_and_edits_rates_and_a_typed_rate_counts_as_by_hand(client: Client) -> None:
    from django.contrib.auth.models import User

    client.force_login(User.objects.create_superuser("root", password="pw-admin-secret-1"))
    ExchangeRate.objects.create(day=FRI, base="EUR", currency="USD", rate=Decimal("1.05"),
                                source="fetched")  # fmt: skip
    assert client.get("/admin/currency/exchangerate/").status_code == 200
    assert client.get("/admin/currency/currencysettings/").status_code == 200
    row = ExchangeRate.objects.get()
    response = client.post(
        f"/admin/currency/exchangerate/{row.pk}/change/",
        {
            "day": "2026-12-04",
            "base": "EUR",
            "currency": "USD",
            "rate": "1.06",
            "source": "fetched",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.rate, row.source) == (Decimal("1.06"), "manual")
