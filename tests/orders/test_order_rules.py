"""The rules the order pages act on, tested where they live: what an order allows (model
properties), placing a form's order once (`order_create_once`), the Refill / Cancel button
of one order (`order_why_not`, `order_bulk_one`), and resolving an unknown outcome with the
id found on the panel (`order_resolve_found`)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from orders.models import BulkAction, Order
from orders.selectors import order_id_for_client_ref
from orders.services import form_orders
from orders.services.bulk import order_bulk_one, order_why_not
from orders.services.form_orders import order_create_once
from orders.services.resolve import order_resolve_found
from panels.api.normalise import Status
from tests.orders.helpers import adds, place, service_of, values_for

State = Order.State
Kind = BulkAction.Kind


# ---- What an order allows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "status", "remote_id", "refresh"),
    [
        (State.PLACED, Status.IN_PROGRESS, "77", True),
        (State.PLACED, Status.PENDING, "77", True),
        (State.PLACED, "", "77", True),
        (State.PLACED, Status.COMPLETED, "77", False),  # final: nothing more to learn
        (State.PLACED, Status.CANCELED, "77", False),
        (State.PLACED, Status.IN_PROGRESS, None, False),  # no id to ask about
        (State.QUEUED, "", None, False),
        (State.UNKNOWN, "", None, False),
        (State.REJECTED, "", None, False),
    ],
)
def test_only_a_running_order_on_the_panel_can_be_refreshed(
    state: str, status: str, remote_id: str | None, refresh: bool
) -> None:
    order = Order(state=state, status=status, remote_id=remote_id)

    assert order.can_refresh is refresh
    assert order.is_on_panel is (state == State.PLACED and remote_id is not None)


@pytest.mark.parametrize(
    ("state", "late_remote_id", "again"),
    [
        (State.REJECTED, "", True),
        (State.NOT_PLACED, "", True),
        (State.NOT_PLACED, "991", False),  # a late answer: the panel has it after all
        (State.REJECTED, "991", False),
        (State.UNKNOWN, "", False),
        (State.PLACED, "", False),
        (State.QUEUED, "", False),
    ],
)
def test_only_an_order_closed_without_being_placed_can_be_placed_again(
    state: str, late_remote_id: str, again: bool
) -> None:
    assert Order(state=state, late_remote_id=late_remote_id).can_place_again is again


@pytest.mark.parametrize("state", State.values)
def test_only_an_unknown_outcome_awaits_resolution(state: str) -> None:
    assert Order(state=state).awaits_resolution is (state == State.UNKNOWN)


# ---- A form's order, once -------------------------------------------------------------------


def test_a_form_places_one_order_however_often_it_is_sent(panel) -> None:
    service = service_of(panel, "default")
    ref = uuid.uuid4()
    values = values_for(service)

    first = order_create_once(service=service, values=values, placed_by=None, client_ref=ref)
    second = order_create_once(service=service, values=values, placed_by=None, client_ref=ref)

    assert first.order is not None
    assert first.order.source == Order.Source.FORM
    assert second.order is None  # not placed again: the first one is the answer
    assert second.order_id == first.order_id == order_id_for_client_ref(client_ref=ref)
    assert Order.objects.count() == 1


def test_a_form_with_values_that_are_not_an_order_places_nothing(panel) -> None:
    service = service_of(panel, "default")

    with pytest.raises(ValidationError) as raised:
        order_create_once(
            service=service,
            values={"link": "https://x.test/a"},
            placed_by=None,
            client_ref=uuid.uuid4(),
        )

    assert "quantity" in raised.value.message_dict
    assert not Order.objects.exists()


def test_a_refused_write_that_is_not_a_second_copy_is_not_hidden(panel, monkeypatch) -> None:
    def broken(**_: object) -> Order:
        raise IntegrityError("something else")

    monkeypatch.setattr(form_orders, "order_create", broken)

    with pytest.raises(IntegrityError):
        order_create_once(
            service=service_of(panel, "default"), values={}, placed_by=None, client_ref=uuid.uuid4()
        )


def test_no_order_has_a_reference_never_used(db) -> None:
    assert order_id_for_client_ref(client_ref=uuid.uuid4()) is None


# ---- The Refill / Cancel button of one order ------------------------------------------------


def test_one_order_that_cannot_be_refilled_records_nothing(sim, panel) -> None:
    order = place(service_of(panel, "default", refill=True))  # placed, not finished yet

    why = order_why_not(order=order, kind=Kind.REFILL)
    with pytest.raises(ValidationError) as raised:
        order_bulk_one(order=order, kind=Kind.REFILL)

    assert why == "Only completed or partial orders can be refilled."
    assert raised.value.messages == [why]
    assert not BulkAction.objects.exists()


def test_one_order_that_can_be_canceled_goes_the_way_of_a_selection(sim, panel) -> None:
    order = place(service_of(panel, "default", cancel=True))

    bulk = order_bulk_one(order=order, kind=Kind.CANCEL)

    assert order_why_not(order=order, kind=Kind.CANCEL) is None
    assert bulk.description == f"Order #{order.pk}"
    assert list(bulk.items.values_list("order_id", flat=True)) == [order.pk]


# ---- Resolving an unknown outcome with the id found on the panel ----------------------------


@pytest.fixture
def lost(sim, panel) -> tuple[Order, str]:
    """An order the panel has (as the returned id) that we recorded as unknown."""
    order = place(service_of(panel, "default"))
    remote_id = str(order.remote_id)
    Order.objects.filter(pk=order.pk).update(state=State.UNKNOWN, remote_id=None, status="")
    order.refresh_from_db()
    return order, remote_id


def test_the_id_the_panel_knows_resolves_it_as_placed(sim, lost) -> None:
    order, remote_id = lost

    resolved = order_resolve_found(order=order, remote_id=remote_id)

    assert resolved.state == State.PLACED
    assert resolved.remote_id == remote_id
    assert adds(sim) == 1  # nothing was sent again


def test_an_id_the_panel_does_not_know_changes_nothing(sim, lost) -> None:
    order, _ = lost

    with pytest.raises(ValidationError) as raised:
        order_resolve_found(order=order, remote_id="424242")

    order.refresh_from_db()
    assert order.state == State.UNKNOWN
    assert raised.value.message_dict == {
        "remote_id": [
            "Sim does not know an order with id 424242. Copy the id exactly as the panel's order "
            "history shows it."
        ]
    }


def test_when_the_panel_cannot_be_asked_the_persons_word_is_taken(sim, lost) -> None:
    order, _ = lost
    sim.stop()

    resolved = order_resolve_found(order=order, remote_id="424242")

    assert resolved.state == State.PLACED
    assert resolved.remote_id == "424242"


def test_an_empty_id_is_refused_without_asking_the_panel(sim, lost) -> None:
    order, _ = lost
    asked = int(sim.stats()["requests"].get("status", 0))

    with pytest.raises(ValidationError) as raised:
        order_resolve_found(order=order, remote_id="")

    assert "remote_id" in raised.value.message_dict
    assert int(sim.stats()["requests"].get("status", 0)) == asked
