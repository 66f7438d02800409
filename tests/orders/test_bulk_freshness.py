"""A bulk preview judges statuses the panels have just given, not ones up to 5 minutes old."""

from __future__ import annotations

import pytest
from django.test import Client

from orders.models import Order
from panels.api.normalise import Status
from tests.orders.helpers import place, service_of

pytestmark = pytest.mark.django_db
PREVIEW = "/orders/bulk/preview/"


def preview(client: Client, kind: str, orders: list[Order]) -> str:
    query = "&".join(f"ids={order.pk}" for order in orders)
    response = client.get(f"{PREVIEW}?kind={kind}&{query}")
    assert response.status_code == 200
    return response.content.decode()


def eligible(html: str) -> str:
    return html.split('id="bulk-eligible">', 1)[1].split("<", 1)[0]


def test_orders_the_panel_completed_since_the_last_sync_can_be_refilled(sim, panel, logged_in):
    service = service_of(panel, "default", refill=True)
    orders = [place(service) for _ in range(3)]
    sim.advance(60)  # the panel completes them; our last status sync has not seen it yet
    assert all(o.status == Status.PENDING for o in Order.objects.all())

    html = preview(logged_in, "refill", orders)

    assert eligible(html) == "3"
    assert "Only completed or partial orders can be refilled." not in html
    assert "Statuses of 3 running orders read from the panels" in html
    assert set(Order.objects.values_list("status", flat=True)) == {Status.COMPLETED}


def test_orders_that_finished_since_the_last_sync_are_not_offered_for_cancel(sim, panel, logged_in):
    service = service_of(panel, "default", cancel=True)
    orders = [place(service) for _ in range(2)]
    sim.advance(60)

    html = preview(logged_in, "cancel", orders)

    assert eligible(html) == "0"
    assert "Only orders still running can be canceled." in html


def test_a_selection_too_large_to_ask_about_says_its_statuses_were_not_refreshed(
    sim, panel, logged_in, monkeypatch
):
    monkeypatch.setattr("orders.services.freshness.REFRESH_LIMIT", 1)
    service = service_of(panel, "default", refill=True)
    orders = [place(service) for _ in range(2)]
    sim.advance(60)
    asked = len(sim.requests("status"))

    html = preview(logged_in, "refill", orders)

    assert len(sim.requests("status")) == asked  # nothing asked
    assert "Statuses not refreshed:" in html
    assert "2 selected orders may still change, more than the 1 asked about" in html
    assert "They are judged as read before, the oldest <time" in html
    assert eligible(html) == "0"  # judged on the statuses we had, as the page says


def test_a_panel_that_fails_does_not_block_the_preview(sim, panel, logged_in):
    service = service_of(panel, "default", cancel=True)
    orders = [place(service) for _ in range(2)]
    sim.go_down()

    html = preview(logged_in, "cancel", orders)

    assert eligible(html) == "2"  # judged as last read
    assert "<strong>Sim</strong> could not be asked. Could not connect" in html
    assert "Its orders are judged as read before, the oldest <time" in html
    assert "Statuses of" not in html  # none was read


def test_panels_left_when_the_previews_wait_runs_out_are_not_asked(
    sim, panel, logged_in, monkeypatch
):
    """A slow panel cannot hold the page past the web server's limit: once the preview's
    budget is spent, the panels left are named as not asked."""
    monkeypatch.setattr("orders.services.freshness.REFRESH_BUDGET", 1.0)
    service = service_of(panel, "default", refill=True)
    orders = [place(service) for _ in range(2)]
    asked = len(sim.requests("status"))

    html = preview(logged_in, "refill", orders)

    assert len(sim.requests("status")) == asked
    assert "<strong>Sim</strong> could not be asked." in html
    assert "Not asked: the 1 seconds a preview waits for the panels ran out." in html
