"""One word, one colour: an order's state or status wears the same badge tone in the order
list, on its page and in an upload; a bulk outcome the same as the order state of its name;
the overview the same as the list."""

from __future__ import annotations

import re
from itertools import count

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import BulkAction, BulkItem, Order, Upload
from orders.presenters.tones import OUTCOME_TONES, STATE_TONES, STATUS_TONES
from panels.api.normalise import Status
from panels.models import Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db

State = Order.State
Outcome = BulkItem.Outcome
_seq = count(1)

# The decisions, written out once more so that changing one is deliberate: canceled, refunded
# and expired are neutral (closed without harm), failed is danger ("failing").
ORDER_CASES = [
    (State.PLACED, Status.PENDING, "progress"),
    (State.PLACED, Status.IN_PROGRESS, "progress"),
    (State.PLACED, Status.PROCESSING, "progress"),
    (State.PLACED, Status.ACTIVE, "progress"),
    (State.PLACED, Status.PAUSED, "progress"),
    (State.PLACED, Status.COMPLETED, "ok"),
    (State.PLACED, Status.PARTIAL, "warning"),
    (State.PLACED, Status.CANCELED, "neutral"),
    (State.PLACED, Status.REFUNDED, "neutral"),
    (State.PLACED, Status.EXPIRED, "neutral"),
    (State.PLACED, Status.FAILED, "failing"),
    (State.QUEUED, "", "neutral"),
    (State.SUBMITTING, "", "progress"),
    (State.PLACED, "", "progress"),
    (State.REJECTED, "", "failing"),
    (State.UNKNOWN, "", "failing"),
    (State.NOT_PLACED, "", "neutral"),
]
OUTCOME_CASES = [
    (Outcome.DONE, "ok"),
    (Outcome.PENDING, "progress"),
    (Outcome.REJECTED, "failing"),
    (Outcome.UNKNOWN, "failing"),
    (Outcome.NOT_SENT, "failing"),
    (Outcome.SKIPPED, "neutral"),
]


def test_every_word_has_a_tone() -> None:
    assert set(STATUS_TONES) == set(Status.ALL)
    assert set(STATE_TONES) == set(State.values)
    assert set(OUTCOME_TONES) == set(Outcome.values)
    cases = {(state, status) for state, status, _ in ORDER_CASES}
    assert {(State.PLACED, s) for s in Status.ALL} | {(s, "") for s in State.values} == cases


@pytest.fixture
def service() -> Service:
    return ServiceFactory(panel=PanelFactory(name="Tone Panel", currency="USD"))


def order_in(service: Service, state: str, status: str) -> Order:
    """An order in this state and panel status; a placed one has the panel's id."""
    placed = state == State.PLACED
    remote_id = str(9000 + next(_seq)) if placed else None
    return OrderFactory(service=service, state=state, status=status, remote_id=remote_id)


def tone_after(html: str, anchor: str, badge: str = r'class="badge badge-([\w-]+)') -> str:
    """The tone of the first badge after `anchor` in the page."""
    assert anchor in html, anchor
    found = re.search(badge, html.split(anchor, 1)[1])
    assert found, f"no badge after {anchor}"
    return found.group(1)


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def submitted_upload(service: Service, order: Order) -> Upload:
    upload = Upload.objects.create(
        kind=Upload.Kind.CSV,
        state=Upload.State.SUBMITTED,
        filename="orders.csv",
        rows_total=1,
        rows_valid=1,
        valid_rows=[
            {
                "row": 1,
                "line": 2,
                "panel": service.panel.name,
                "service": service.name,
                "link": order.link,
                "panel_id": service.panel_id,
                "values": {},
                "quantity": 1000,
            }
        ],
    )
    Order.objects.filter(pk=order.pk).update(upload=upload, upload_row=1)
    return upload


@pytest.mark.parametrize(("state", "status", "tone"), ORDER_CASES)
def test_an_order_wears_the_same_tone_in_the_list_on_its_page_and_in_its_upload(
    logged_in: Client, service: Service, state: str, status: str, tone: str
) -> None:
    order = order_in(service, state, status)
    upload = submitted_upload(service, order)

    listed = tone_after(get(logged_in, reverse("orders:list")), f'id="order-{order.pk}"')
    page = get(logged_in, reverse("orders:detail", args=[order.pk]))
    in_upload = tone_after(
        get(logged_in, reverse("orders:upload_preview", args=[upload.pk])), 'id="upload-valid"'
    )

    own_state = re.search(r'class="badge badge-([\w-]+) order-state"', page)
    panel_status = re.search(r'badge-status badge-([\w-]+) order-panel-status"', page)
    assert own_state
    assert own_state.group(1) == STATE_TONES[state]
    # The list's one badge is the panel's status once there is one, as on the order's page.
    on_page = panel_status.group(1) if panel_status else own_state.group(1)
    assert bool(panel_status) == bool(status)
    assert listed == on_page == in_upload == tone


@pytest.mark.parametrize(("outcome", "tone"), OUTCOME_CASES)
def test_a_bulk_outcome_wears_its_tone_and_that_of_the_order_state_of_its_name(
    logged_in: Client, service: Service, outcome: str, tone: str
) -> None:
    order = order_in(service, State.PLACED, Status.COMPLETED)
    bulk = BulkAction.objects.create(
        kind=BulkAction.Kind.CANCEL, state=BulkAction.State.DONE, total=1, eligible=1
    )
    BulkItem.objects.create(bulk=bulk, order=order, outcome=outcome)

    page = get(logged_in, reverse("orders:bulk_result", args=[bulk.pk]))

    assert tone_after(page, f'data-outcome="{outcome}"') == tone
    assert tone_after(page, 'id="bulk-live"') == "ok"
    if outcome in State.values:  # "rejected", "unknown": the same word, the same colour
        assert tone == STATE_TONES[outcome]


def test_the_overview_wears_the_tones_of_the_order_list(
    logged_in: Client, service: Service
) -> None:
    unknown = order_in(service, State.UNKNOWN, "")
    rejected = order_in(service, State.REJECTED, "")
    listed = get(logged_in, reverse("orders:list"))

    overview = get(logged_in, reverse("overview"))

    found = re.findall(r'class="badge badge-([\w-]+)">(\w+)</span>', overview)
    badges = {label: tone for tone, label in found}
    assert badges["Unknown"] == tone_after(listed, f'id="order-{unknown.pk}"') == "failing"
    assert badges["Rejected"] == tone_after(listed, f'id="order-{rejected.pk}"') == "failing"
