"""One order's page: what it shows in each state, the self-refreshing status block, Refresh, and
resolving an order whose outcome is unknown (placed after all, not placed, placed again, only
ever after the confirmation)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderStatusChange, Refill
from panels.api.normalise import Status
from panels.models import Panel, Service
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.orders.helpers import adds, svc, text

pytestmark = pytest.mark.django_db

State = Order.State
EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def detail_sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",), stage_seconds=1)
    yield handle
    handle.stop()


@pytest.fixture
def shop(detail_sim: SimulatorHandle, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    settings.CELERY_TASK_ALWAYS_EAGER = True
    panel = panel_create(name="Sim Shop", api_url=detail_sim.api_url(), api_key="k")
    catalog_sync(panel=panel)
    balance_sync(panel=panel)
    panel.refresh_from_db()
    return panel


def place(client: Client, service: Service, captured, **values: str) -> Order:
    """Place through the form; the dispatch runs on commit, eagerly, against the simulator."""
    data = {"service": str(service.pk), "client_ref": str(uuid.uuid4()), **values}
    with captured(execute=True):
        response = client.post(reverse("orders:new"), data)
    assert response.status_code == 302, response.content.decode()
    return Order.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[1]))


@pytest.fixture
def placed(logged_in, shop, django_capture_on_commit_callbacks) -> Order:
    order = place(
        logged_in,
        svc(shop, 1),
        django_capture_on_commit_callbacks,
        link="https://x.test/placed",
        quantity="1000",
    )
    assert order.state == State.PLACED, order.last_error
    return order


@pytest.fixture
def unknown(logged_in, shop, detail_sim, django_capture_on_commit_callbacks) -> Order:
    """An `add` the panel accepted, whose answer never came back."""
    detail_sim.set_fault("drop_after_accept", actions=["add"], count=1)
    order = place(
        logged_in,
        svc(shop, 7),
        django_capture_on_commit_callbacks,
        link="https://x.test/lost",
        comments="one\ntwo\nthree\nfour\nfive",
    )
    assert order.state == State.UNKNOWN, order.last_error
    assert len(detail_sim.orders()) == 1  # it is there, but we cannot know it
    return order


def detail(client: Client, order: Order, **headers: str) -> str:
    response = client.get(reverse("orders:detail", args=[order.pk]), **headers)
    assert response.status_code == 200
    return response.content.decode()


def resolve(client: Client, order: Order, **data: str):
    return client.post(reverse("orders:resolve", args=[order.pk]), data)


# ---- What the page shows --------------------------------------------------------------------


def test_it_shows_every_field_the_estimate_and_the_charge(
    logged_in, shop, detail_sim, django_capture_on_commit_callbacks
):
    order = place(
        logged_in,
        svc(shop, 7),
        django_capture_on_commit_callbacks,
        link="https://x.test/cc",
        comments="Great\nNice\nWow\nCool\nYes",
        extra="order_style=fast",
    )
    detail_sim.advance(3600)
    logged_in.post(reverse("orders:refresh", args=[order.pk]))

    page = detail(logged_in, order)
    words = text(page)

    assert "Custom Comments" in words
    assert "https://x.test/cc" in words
    assert "Comments 5 lines Great Nice Wow Cool Yes" in words
    assert "order_style extra fast" in words
    assert "Estimate 0.06 USD" in words  # 5 comments at 12.00 per 1000
    assert "Charged 0.06 USD as estimated" in words
    assert f"Placed on Sim Shop as order #{order.remote_id}" in words
    assert "Completed" in words
    assert "Finished: the panel will not change it any more." in words
    assert "The panel's last answer" in words
    assert "&quot;status&quot;" in page


def test_a_subscriptions_delay_reads_as_the_form_offered_it(logged_in, shop):
    service = Service.objects.filter(panel=shop, type="subscriptions").first()
    assert service is not None
    order = Order.objects.create(
        panel=shop,
        service=service,
        order_type="subscriptions",
        params={"username": "natgeo", "min": 100, "max": 200, "posts": 3, "delay": 90},
    )

    assert "Delay 1 hour 30 minutes" in text(detail(logged_in, order))


def test_a_queued_order_refreshes_itself_and_a_final_one_does_not(logged_in, shop, placed):
    queued = Order.objects.create(
        panel=shop, service=placed.service, link="https://x.test/q", quantity=100
    )

    queued_page = detail(logged_in, queued)
    placed_page = detail(logged_in, placed)
    Order.objects.filter(pk=placed.pk).update(status=Status.COMPLETED)
    final_page = detail(logged_in, placed)

    url = reverse("orders:detail", args=[queued.pk])
    assert f'hx-get="{url}" hx-trigger="every 3s"' in queued_page
    assert 'hx-trigger="every 5s"' in placed_page
    assert "hx-trigger=" not in final_page.split('id="order-live"')[1].split(">")[0]


def test_the_poll_answers_only_the_status_block(logged_in, placed):
    page = detail(logged_in, placed, HTTP_HX_REQUEST="true")

    assert page.lstrip().startswith('<div id="order-live"')
    assert "<html" not in page


def test_the_history_and_refills_are_listed(logged_in, placed):
    OrderStatusChange.objects.create(
        order=placed, status=Status.IN_PROGRESS, start_count=120, remains=800
    )
    Refill.objects.create(order=placed, remote_id="r-77", status="pending")

    words = text(detail(logged_in, placed))

    assert "In progress 120 800" in words
    assert f"Placed on the panel as #{placed.remote_id}" in words
    assert "r-77 Pending" in words


def test_a_rejected_order_offers_place_again(
    logged_in, shop, detail_sim, django_capture_on_commit_callbacks
):
    detail_sim.set_balance("0.00")
    order = place(
        logged_in,
        svc(shop, 1),
        django_capture_on_commit_callbacks,
        link="https://x.test/poor",
        quantity="100",
    )

    page = detail(logged_in, order)

    assert order.state == State.REJECTED
    assert "did not take this order; nothing was charged." in text(page)
    assert f'href="/orders/new/?from={order.pk}"' in page
    assert "hx-trigger=" not in page.split('id="order-live"')[1].split(">")[0]


def test_panel_text_is_escaped(logged_in, placed):
    Order.objects.filter(pk=placed.pk).update(
        last_error=EVIL, raw_status={"status": EVIL}, link=f"https://x.test/{EVIL}"
    )
    Service.objects.filter(pk=placed.service_id).update(name=EVIL)
    Panel.objects.filter(pk=placed.panel_id).update(name=EVIL)

    page = detail(logged_in, placed)

    assert EVIL not in page
    assert EVIL_ESCAPED in page


# ---- Refresh --------------------------------------------------------------------------------


def test_refresh_asks_the_panel_now(logged_in, placed, detail_sim):
    detail_sim.advance(3600)

    response = logged_in.post(reverse("orders:refresh", args=[placed.pk]), HTTP_HX_REQUEST="true")

    placed.refresh_from_db()
    page = response.content.decode()
    assert placed.status == Status.COMPLETED
    assert page.lstrip().startswith('<div id="order-live"')
    assert "Updated from the panel just now." in text(page)
    assert "hx-trigger=" not in page.split(">")[0]  # final: no more polling


def test_refresh_without_javascript_redirects_with_a_message(logged_in, placed, detail_sim):
    detail_sim.advance(3600)  # finished there: nothing changes after the first answer

    response = logged_in.post(reverse("orders:refresh", args=[placed.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("orders:detail", args=[placed.pk])
    words = text(response.content.decode())
    assert "Updated from the panel just now." in words  # the first answer about it
    again = logged_in.post(reverse("orders:refresh", args=[placed.pk]), follow=True)
    assert "Checked with the panel just now: nothing changed." in text(again.content.decode())


def test_refresh_says_when_the_panel_cannot_be_reached(logged_in, placed, detail_sim):
    detail_sim.stop()

    response = logged_in.post(reverse("orders:refresh", args=[placed.pk]), HTTP_HX_REQUEST="true")

    assert "Sim Shop could not be asked just now" in text(response.content.decode())


# ---- Resolving an unknown outcome -----------------------------------------------------------


def test_an_unknown_order_explains_what_to_do(logged_in, unknown):
    page = detail(logged_in, unknown)
    words = text(page)

    assert "Outcome unknown: check on the panel" in words
    assert "It is never sent again by itself" in words
    assert "look at its order history for https://x.test/lost around" in words
    assert f'href="{unknown.panel.api_url.split("/api")[0]}/"' in page
    assert 'name="remote_id"' in page
    assert 'name="place_again" value="1">' in page  # a checkbox, not ticked
    assert "hx-trigger=" not in page.split('id="order-live"')[1].split(">")[0]


def test_resolving_placed_attaches_the_id_and_syncs_it(logged_in, unknown, detail_sim):
    (remote,) = detail_sim.orders()

    response = resolve(logged_in, unknown, action="placed", remote_id=f" #{remote['id']} ")

    unknown.refresh_from_db()
    assert response.status_code == 302
    assert unknown.state == State.PLACED
    assert unknown.remote_id == remote["id"]
    assert unknown.status_checked_at is not None  # synced at once
    assert unknown.raw_status
    page = text(logged_in.get(response["Location"]).content.decode())
    assert f"Order #{unknown.pk} is placed as #{remote['id']} on Sim Shop" in page
    assert adds(detail_sim) == 1  # nothing was sent again


def test_resolving_placed_refuses_an_id_the_panel_does_not_know(logged_in, unknown, detail_sim):
    response = resolve(logged_in, unknown, action="placed", remote_id="424242")

    unknown.refresh_from_db()
    assert response.status_code == 400
    assert unknown.state == State.UNKNOWN
    assert "Sim Shop does not know an order with id 424242." in text(response.content.decode())


def test_resolving_placed_needs_an_id(logged_in, unknown):
    response = resolve(logged_in, unknown, action="placed", remote_id="  ")

    unknown.refresh_from_db()
    assert response.status_code == 400
    assert unknown.state == State.UNKNOWN
    assert "Enter the order id exactly as the panel shows it." in text(response.content.decode())


def test_not_placed_asks_for_confirmation_first(logged_in, unknown, detail_sim):
    response = resolve(logged_in, unknown, action="not_placed")

    unknown.refresh_from_db()
    page = response.content.decode()
    assert response.status_code == 200
    assert unknown.state == State.UNKNOWN
    assert "Mark it as not placed?" in text(page)
    assert 'name="confirm" value="1"' in page
    assert 'name="place_again" value="0"' in page


def test_not_placed_once_confirmed_closes_it_and_sends_nothing(logged_in, unknown, detail_sim):
    response = resolve(logged_in, unknown, action="not_placed", place_again="0", confirm="1")

    unknown.refresh_from_db()
    assert response["Location"] == reverse("orders:detail", args=[unknown.pk])
    assert unknown.state == State.NOT_PLACED
    assert Order.objects.count() == 1
    assert adds(detail_sim) == 1
    page = detail(logged_in, unknown)
    assert "Nothing was sent." in text(page)
    assert f'href="/orders/new/?from={unknown.pk}"' in page  # place again by hand, later


def test_place_again_is_never_done_without_the_confirmation(logged_in, unknown, detail_sim):
    asked = resolve(logged_in, unknown, action="not_placed", place_again="1")
    # Anything but confirm=1 only asks again.
    again = resolve(logged_in, unknown, action="not_placed", place_again="1", confirm="yes")

    unknown.refresh_from_db()
    assert unknown.state == State.UNKNOWN
    assert Order.objects.count() == 1
    assert adds(detail_sim) == 1
    for response in (asked, again):
        page = response.content.decode()
        assert "Place it again as a new order?" in text(page)
        assert "If the first one was placed after all, you pay twice." in text(page)
        assert 'name="place_again" value="1"' in page


def test_place_again_once_confirmed_queues_a_new_attempt(
    logged_in, unknown, detail_sim, django_capture_on_commit_callbacks
):
    detail_sim.advance(3600)  # the lost order is done there, so the link is free again

    with django_capture_on_commit_callbacks(execute=True):
        response = resolve(logged_in, unknown, action="not_placed", place_again="1", confirm="1")

    unknown.refresh_from_db()
    new = Order.objects.exclude(pk=unknown.pk).get()
    assert unknown.state == State.NOT_PLACED
    assert response["Location"] == reverse("orders:detail", args=[new.pk])
    assert new.retry_of == unknown
    assert (new.link, new.params) == (unknown.link, unknown.params)
    assert new.state == State.PLACED, new.last_error
    assert adds(detail_sim) == 2
    words = text(logged_in.get(response["Location"]).content.decode())
    assert f"It is placed again as order #{new.pk}" in words
    assert f"repeating order #{unknown.pk}" in words


def test_place_again_that_cannot_be_queued_changes_nothing(logged_in, unknown, detail_sim):
    Service.objects.filter(pk=unknown.service_id).update(is_active=False)

    response = resolve(logged_in, unknown, action="not_placed", place_again="1", confirm="1")

    unknown.refresh_from_db()
    assert response.status_code == 400
    assert unknown.state == State.UNKNOWN  # rolled back: still waiting for a person
    assert Order.objects.count() == 1
    assert "could not be placed again, so nothing was changed" in text(response.content.decode())


def test_an_order_that_is_not_unknown_cannot_be_resolved(logged_in, placed):
    response = resolve(logged_in, placed, action="not_placed", confirm="1", place_again="1")

    placed.refresh_from_db()
    assert response.status_code == 302
    assert placed.state == State.PLACED
    assert Order.objects.count() == 1


# ---- Guards ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "name"), [("get", "detail"), ("post", "refresh"),
                                              ("post", "resolve")])  # fmt: skip
def test_login_is_required(client, method, name):
    response = getattr(client, method)(reverse(f"orders:{name}", args=[1]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["refresh", "resolve"])
def test_posts_need_the_csrf_token(user, shop, name):
    order = Order.objects.create(
        panel=shop, service=svc(shop, 1), link="https://x.test/c", quantity=100, state=State.UNKNOWN
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        reverse(f"orders:{name}", args=[order.pk]), {"action": "not_placed", "confirm": "1"}
    )

    order.refresh_from_db()
    assert response.status_code == 403
    assert order.state == State.UNKNOWN


def test_a_missing_order_is_404(logged_in):
    assert logged_in.get(reverse("orders:detail", args=[999999])).status_code == 404


def test_the_charge_difference_is_exact(logged_in, placed):
    Order.objects.filter(pk=placed.pk).update(
        charge=Decimal("0.88"), status=Status.COMPLETED, finished_at=timezone.now()
    )

    words = text(detail(logged_in, placed))

    assert "Estimate 0.90 USD" in words
    assert "Charged 0.88 USD −0.02 USD vs the estimate" in words
