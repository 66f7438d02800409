"""Placing orders against the simulator: exact fields, cost, and every outcome of `add`."""

from __future__ import annotations

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from orders.models import Order
from orders.services import (
    order_claim,
    order_claim_next,
    order_create,
    order_dispatch,
    order_resolve_not_placed,
    order_resolve_placed,
    orders_reap_stuck,
    orders_status_sync,
)
from panels.api.errors import Reason
from panels.api.normalise import Status
from panels.api.order_types import ORDER_TYPES
from panels.models import CatalogSync, Panel
from tests.orders.helpers import adds, place, service_of, values_for

State = Order.State
TYPES = [key for key in ORDER_TYPES if key != "other"]


@pytest.mark.parametrize("order_type", TYPES)
def test_each_type_sends_exactly_its_fields_and_costs_what_we_estimated(sim, panel, order_type):
    service = service_of(panel, order_type)

    order = place(service)

    assert order.state == State.PLACED, order.last_error
    (remote,) = sim.orders()
    assert remote["id"] == order.remote_id
    sent = dict(remote["fields"])
    assert sent.pop("service") == service.remote_id
    expected = {"link": order.link} if order.link else {}
    if order.quantity is not None:
        expected["quantity"] = str(order.quantity)
    expected.update(order.params)
    assert sent == expected
    assert Decimal(remote["cost"]) == order.estimated_cost.quantize(Decimal("0.00001"))


def test_drip_feed_sends_runs_and_interval_and_costs_runs_times_quantity(sim, panel):
    service = service_of(panel, "default", dripfeed=True)

    order = place(service, runs=4, interval=15)

    (remote,) = sim.orders()
    assert (remote["fields"]["runs"], remote["fields"]["interval"]) == ("4", "15")
    assert order.estimated_cost == service.rate * order.quantity * 4 / 1000
    assert Decimal(remote["cost"]) == order.estimated_cost.quantize(Decimal("0.00001"))


def test_validation_errors_are_specific_and_nothing_is_queued(panel):
    comments = service_of(panel, "custom_comments")
    dripless = service_of(panel, "default", dripfeed=False)

    with pytest.raises(ValidationError) as too_few:
        order_create(service=comments, values={"link": "https://x.test/a", "comments": "a\nb"})
    with pytest.raises(ValidationError) as no_drip:
        order_create(
            service=dripless,
            values={"link": "https://x.test/a", "quantity": 100, "runs": 3, "interval": 10},
        )

    assert too_few.value.message_dict["comments"] == [
        f"2 comments given, the service's minimum is {comments.min_quantity}."
    ]
    assert no_drip.value.message_dict["runs"] == ["This service does not offer drip-feed."]
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda sim, svc: sim.set_balance("0.00"), Reason.NOT_ENOUGH_FUNDS),
        (lambda sim, svc: sim.remove_services([int(svc.remote_id)]), Reason.INCORRECT_SERVICE_ID),
    ],
)  # fmt: skip
def test_a_rejection_is_recorded_with_its_reason(
    sim, panel, setup, reason, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    service = service_of(panel, "default")
    setup(sim, service)

    with django_capture_on_commit_callbacks(execute=True):
        order = place(service)

    assert order.state == State.REJECTED
    assert order.error_reason == reason
    assert order.remote_id is None
    panel.refresh_from_db()
    if reason == Reason.NOT_ENOUGH_FUNDS:
        assert panel.balance == Decimal("0")  # the balance was checked again at once
    else:  # the catalog is stale: a resync was started
        assert CatalogSync.objects.filter(panel=panel, trigger=CatalogSync.Trigger.ORDER).exists()


def test_a_second_active_order_on_the_same_link_is_rejected_as_duplicate(sim, panel):
    service = service_of(panel, "default")
    first = place(service, link="https://x.test/same")

    second = place(service, link="https://x.test/same")

    assert first.state == State.PLACED
    assert second.state == State.REJECTED
    assert second.error_reason == Reason.LINK_DUPLICATE
    assert "active order for this link" in second.last_error


def test_a_bad_key_rejects_the_order_and_marks_the_panel(sim, panel):
    panel.api_key = "wrong"
    panel.save()

    order = place(service_of(panel, "default"))

    assert (order.state, order.error_reason) == (State.REJECTED, Reason.BAD_KEY)
    assert Panel.objects.get(pk=panel.pk).health == Panel.Health.FAILING


@pytest.mark.parametrize("fault", ["http_500", "html", "truncated", "drop_after_accept"])
def test_an_answer_that_never_came_back_is_unknown_and_never_resent(sim, panel, fault):
    sim.set_fault(fault, actions=["add"])

    order = place(service_of(panel, "default"))
    claimed_again = order_claim(order_id=order.pk)

    assert order.state == State.UNKNOWN
    assert order.remote_id is None
    assert "Check on the panel" in order.last_error
    assert not claimed_again
    assert adds(sim) == 1


def test_a_panel_that_cannot_be_reached_gets_the_order_later_not_unknown(sim, panel):
    sim.stop()

    order = place(service_of(panel, "default"))

    assert order.state == State.QUEUED
    assert order.attempts == 1
    assert order.next_attempt_at > timezone.now()
    assert order_claim_next(panel_id=panel.pk) is None  # not due yet


def test_a_429_is_tried_again_after_the_panel_asks(sim, panel):
    sim.set_fault("http_429", actions=["add"], count=1)

    order = place(service_of(panel, "default"))

    assert order.state == State.QUEUED
    assert adds(sim) == 1
    Order.objects.filter(pk=order.pk).update(next_attempt_at=timezone.now())
    retry = order_claim_next(panel_id=panel.pk)
    assert order_dispatch(order=retry).state == State.PLACED
    assert adds(sim) == 2  # the first one was turned away before the panel handled it
    assert len(sim.orders()) == 1


def test_a_worker_killed_mid_call_leaves_the_order_unknown_and_never_sends_again(sim, panel):
    order = order_create(
        service=service_of(panel, "default"), values=values_for(service_of(panel, "default"))
    )
    assert order_claim(order_id=order.pk)
    # ...the worker dies here, after the claim, before (or during) the `add` call.
    Order.objects.filter(pk=order.pk).update(submitted_at=timezone.now() - timedelta(hours=1))

    assert orders_reap_stuck() == 1
    order.refresh_from_db()

    assert order.state == State.UNKNOWN
    assert order_claim_next(panel_id=panel.pk) is None
    assert adds(sim) == 0


def test_a_late_answer_after_the_reaper_still_records_the_placed_order(sim, panel):
    service = service_of(panel, "default")
    order = order_create(service=service, values=values_for(service))
    assert order_claim(order_id=order.pk)
    order.refresh_from_db()
    Order.objects.filter(pk=order.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    orders_reap_stuck()  # the reaper gave up on a slow worker...

    order = order_dispatch(order=order)  # ...which then got its answer

    assert order.state == State.PLACED
    assert order.remote_id == sim.orders()[0]["id"]


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_racing_for_one_order_send_one_add(sim, panel):
    service = service_of(panel, "default")
    order = order_create(service=service, values=values_for(service))
    barrier = threading.Barrier(4)
    won: list[bool] = []

    def dispatcher() -> None:
        try:
            barrier.wait()
            claimed = order_claim_next(panel_id=panel.pk)
            won.append(claimed is not None)
            if claimed is not None:
                order_dispatch(order=claimed)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=dispatcher) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(won) == [False, False, False, True]
    assert adds(sim) == 1
    assert Order.objects.get(pk=order.pk).state == State.PLACED


def test_an_unknown_order_resolved_with_the_panels_id_follows_its_real_status(sim, panel):
    sim.set_fault("drop_after_accept", actions=["add"], count=1)
    order = place(service_of(panel, "default"))
    assert order.state == State.UNKNOWN
    (remote,) = sim.orders()

    order = order_resolve_placed(order=order, remote_id=remote["id"])
    sim.advance(60)  # past pending and in progress
    orders_status_sync(panel=panel)

    order.refresh_from_db()
    assert (order.state, order.remote_id) == (State.PLACED, remote["id"])
    assert order.status in (Status.COMPLETED, Status.PARTIAL)
    assert order.charge == Decimal(sim.orders()[0]["charge"])
    assert order.status_changes.first().note.startswith("Resolved by")
    assert adds(sim) == 1


def test_resolving_as_not_placed_only_places_again_when_asked(sim, panel):
    sim.set_fault("html", actions=["add"])
    first = place(service_of(panel, "default"))
    second = place(service_of(panel, "default"))
    sim.clear_faults()

    assert order_resolve_not_placed(order=first) is None
    again = order_resolve_not_placed(order=second, place_again=True)

    assert Order.objects.get(pk=first.pk).state == State.NOT_PLACED
    assert again.retry_of_id == second.pk
    assert again.state == State.QUEUED
    assert (again.link, again.quantity) == (second.link, second.quantity)
    with pytest.raises(ValidationError):
        order_resolve_not_placed(order=first)  # only unknown orders can be resolved


def test_an_id_already_used_by_another_order_is_refused(sim, panel):
    placed = place(service_of(panel, "default"))
    sim.set_fault("http_500", actions=["add"])
    unknown = place(service_of(panel, "default"))

    with pytest.raises(ValidationError, match="Another order already has id"):
        order_resolve_placed(order=unknown, remote_id=placed.remote_id)
