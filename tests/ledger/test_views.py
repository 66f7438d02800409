"""A panel's balance page, its writes, and the overview's block of intervals that do not add up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from ledger.models import BalanceCheck, TopUp
from ledger.services import panel_reconcile
from tests.factories import PanelFactory
from tests.ledger.helpers import order, reading

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged_panel():
    """A drip-feed order that took 500.00 for a 0.08 charge, then a clean interval."""
    panel = PanelFactory(name="Cheap <b>SMM</b>", currency="USD", balance=Decimal("-451"))
    reading(panel, 0, "50.00")
    faulty = order(panel, 1, "0.08")
    reading(panel, 2, "-450.00")
    order(panel, 3, "1.00")
    reading(panel, 4, "-451.00")
    panel_reconcile(panel=panel)
    return panel, faulty


def test_the_balance_page_needs_a_login(client: Client, flagged_panel):
    panel, _ = flagged_panel
    url = reverse("ledger:panel", args=[panel.pk])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_balance_page_shows_the_flagged_interval_its_orders_and_the_chart(
    logged_in: Client, flagged_panel
):
    panel, faulty = flagged_panel

    html = logged_in.get(reverse("ledger:panel", args=[panel.pk])).content.decode()

    assert "Cheap &lt;b&gt;SMM&lt;/b&gt;" in html
    assert "<b>SMM</b>" not in html
    assert "Unexplained drop" in html
    assert "-499.92 USD" in html
    assert f'href="{reverse("orders:detail", args=[faulty.pk])}"' in html
    assert html.count('class="balance-flag"') == 1  # one shaded interval in the chart
    assert '<polyline class="balance-line"' in html
    assert "Record a top-up" in html


def test_recording_a_top_up_rechecks_its_interval(logged_in: Client):
    panel = PanelFactory(currency="USD")
    reading(panel, 0, "10.00")
    reading(panel, 10, "60.00")
    panel_reconcile(panel=panel)

    response = logged_in.post(
        reverse("ledger:top_up_add", args=[panel.pk]),
        {"amount": "50", "at": "2026-01-05T12:05", "note": "Card payment"},
    )

    assert response.status_code == 302
    check = BalanceCheck.objects.get(panel=panel)
    assert check.result == BalanceCheck.Result.OK
    assert TopUp.objects.get(state=TopUp.State.CONFIRMED).note == "Card payment"


def test_a_top_up_form_with_errors_says_so(logged_in: Client):
    panel = PanelFactory(currency="USD")

    response = logged_in.post(
        reverse("ledger:top_up_add", args=[panel.pk]), {"amount": "-5", "at": "soon"}
    )

    assert response.status_code == 400
    assert not TopUp.objects.exists()
    assert 'class="errorlist' in response.content.decode()


def test_a_suggested_top_up_is_confirmed_with_one_click(logged_in: Client):
    panel = PanelFactory(currency="USD")
    reading(panel, 0, "10.00")
    reading(panel, 10, "60.00")
    panel_reconcile(panel=panel)
    suggestion = TopUp.objects.get(state=TopUp.State.SUGGESTED)
    page = logged_in.get(reverse("ledger:panel", args=[panel.pk])).content.decode()
    assert "Top-ups to confirm" in page

    logged_in.post(reverse("ledger:top_up_decide", args=[suggestion.pk]), {"decision": "confirm"})

    assert BalanceCheck.objects.get(panel=panel).result == BalanceCheck.Result.OK
    page = logged_in.get(reverse("ledger:panel", args=[panel.pk])).content.decode()
    assert "Top-ups to confirm" not in page
    assert "Every interval checked so far adds up" in page


def test_the_writes_need_a_csrf_token(user, flagged_panel):
    panel, _ = flagged_panel
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        reverse("ledger:top_up_add", args=[panel.pk]),
        {"amount": "5", "at": "2026-01-05T12:05"},
    )

    assert response.status_code == 403
    assert not TopUp.objects.exists()


def test_the_overview_lists_the_interval_that_does_not_add_up(logged_in: Client, flagged_panel):
    panel, _ = flagged_panel

    html = logged_in.get(reverse("overview")).content.decode()

    assert "1 balance interval</strong>" in html
    assert f'href="{reverse("ledger:panel", args=[panel.pk])}#check-' in html
    assert "-499.92 USD</strong> unexplained drop" in html
    assert "Cheap &lt;b&gt;SMM&lt;/b&gt;" in html


def test_the_panels_list_links_each_panel_to_its_balance(logged_in: Client):
    panel = PanelFactory()

    html = logged_in.get(reverse("panels:list")).content.decode()

    assert f'href="{reverse("ledger:panel", args=[panel.pk])}"' in html


def test_the_admin_lists_top_ups_and_checks(client: Client, flagged_panel, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="pw-root-horse")
    client.force_login(admin_user)

    checks = client.get(reverse("admin:ledger_balancecheck_changelist"))
    top_ups = client.get(reverse("admin:ledger_topup_changelist"))

    assert (checks.status_code, top_ups.status_code) == (200, 200)
    assert "-499.92" in checks.content.decode()


def test_an_acknowledged_interval_leaves_the_overview_and_stays_on_the_panel_page(
    logged_in: Client, flagged_panel
):
    panel, _ = flagged_panel
    check = BalanceCheck.objects.get(result=BalanceCheck.Result.FLAGGED)

    response = logged_in.post(reverse("ledger:check_acknowledge", args=[check.pk]))

    assert response.status_code == 302
    overview = logged_in.get(reverse("overview")).content.decode()
    assert "balance interval" not in overview
    page = logged_in.get(reverse("ledger:panel", args=[panel.pk])).content.decode()
    assert "Acknowledged by alice" in page
    assert "-499.92 USD" in page
