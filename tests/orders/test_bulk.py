"""Bulk refill and cancel: eligibility, batching, outcomes, idempotency, refill tracking."""

from __future__ import annotations

import uuid

import responses

from orders.models import BulkAction, BulkItem, Order, Refill
from orders.services import orders_status_sync
from orders.services.bulk import bulk_create, bulk_execute, bulk_preview
from orders.services.refills import refills_status_sync
from panels.api.normalise import RefillStatus, Status
from panels.models import Panel, Service
from panels.services import catalog_sync, panel_create
from tests.orders.helpers import KEY, place, service_of
from tests.panels.test_client_seeds import example

Kind = BulkAction.Kind
Outcome = BulkItem.Outcome
State = Order.State


def run(kind: str, orders, token=None) -> BulkAction:
    bulk = bulk_create(kind=kind, orders=orders, token=token or uuid.uuid4())
    return bulk_execute(bulk_id=bulk.pk) or BulkAction.objects.get(pk=bulk.pk)


def outcomes(bulk: BulkAction) -> dict[int, tuple[str, str]]:
    return {i.order_id: (i.outcome, i.reason) for i in bulk.items.all()}


def finish(sim, panel) -> None:
    sim.advance(60)
    orders_status_sync(panel=panel)


def test_the_preview_says_why_orders_are_left_out(sim, panel):
    refillable = service_of(panel, "default", refill=True)
    no_refill = service_of(panel, "default", refill=False)
    place(refillable)
    running = place(refillable)
    place(no_refill)
    finish(sim, panel)
    Order.objects.filter(pk=running.pk).update(status=Status.IN_PROGRESS)
    Order.objects.create(
        panel=panel, service=refillable, link="https://x.test/q", quantity=100, state=State.QUEUED
    )

    preview = bulk_preview(kind=Kind.REFILL, orders=Order.objects.all())

    assert (preview.total, preview.eligible) == (4, 1)
    assert sorted(reason for _, reason, _ in preview.reasons()) == sorted(
        [
            "It was never placed on the panel.",
            "Only completed or partial orders can be refilled.",
            "The service does not offer refill.",
        ]
    )


def test_250_orders_on_one_panel_are_refilled_in_3_calls(sim, panel):
    service = service_of(panel, "default", refill=True)
    for _ in range(250):
        place(service)
    finish(sim, panel)
    sim.reset()

    bulk = run(Kind.REFILL, Order.objects.all())

    assert sim.stats()["requests"] == {"refill": 3}
    assert (bulk.state, bulk.total, bulk.sent, bulk.succeeded) == ("done", 250, 250, 250)
    assert Refill.objects.filter(remote_id__isnull=False).count() == 250
    again = bulk_preview(kind=Kind.REFILL, orders=Order.objects.all())
    assert again.eligible == 0  # each has a refill in progress now


def test_one_refused_order_does_not_fail_the_others(sim, panel):
    service = service_of(panel, "default", refill=True)
    first, second = place(service), place(service)
    finish(sim, panel)
    run(Kind.REFILL, Order.objects.filter(pk=first.pk))
    Refill.objects.all().update(status=RefillStatus.COMPLETED)  # ours says done; the panel not

    bulk = run(Kind.REFILL, Order.objects.all())

    result = outcomes(bulk)
    assert result[second.pk] == (Outcome.DONE, "")
    assert result[first.pk][0] == Outcome.REJECTED
    assert "already requested" in bulk.items.get(order=first).message


def test_cancel_on_a_panel_without_cancel_is_learnt(sim, db, settings):
    settings.PANEL_HTTP_RETRIES = 0
    panel = panel_create(name="No cancel", api_url=sim.api_url("seed000"), api_key=KEY)
    catalog_sync(panel=panel)
    order = place(service_of(panel, "default", cancel=True))

    bulk = run(Kind.CANCEL, Order.objects.all())

    assert outcomes(bulk)[order.pk][0] == Outcome.REJECTED
    assert "refused the request" in bulk.items.get().message
    assert Panel.objects.get(pk=panel.pk).supports_cancel is False
    preview = bulk_preview(kind=Kind.CANCEL, orders=Order.objects.all())
    assert preview.reasons() == [("No cancel", "The panel has no cancel action.", 1)]


def test_cancel_of_running_orders_then_status_shows_canceled(sim, panel):
    service = service_of(panel, "default", cancel=True)
    order = place(service)

    bulk = run(Kind.CANCEL, Order.objects.all())
    orders_status_sync(panel=panel)

    assert outcomes(bulk)[order.pk] == (Outcome.DONE, "")
    assert Order.objects.get(pk=order.pk).status == Status.CANCELED


def test_submitting_the_same_confirmation_twice_acts_once(sim, panel):
    service = service_of(panel, "default", cancel=True)
    place(service)
    place(service)
    token = uuid.uuid4()
    sim.reset()

    first = run(Kind.CANCEL, Order.objects.all(), token=token)
    second = run(Kind.CANCEL, Order.objects.all(), token=token)

    assert first.pk == second.pk
    assert BulkAction.objects.count() == 1
    assert sim.stats()["requests"] == {"cancel": 1}
    assert bulk_execute(bulk_id=first.pk) is None  # a redelivered task finds it claimed


def test_refill_statuses_are_synced_in_batches(sim, panel):
    service = service_of(panel, "default", refill=True)
    for _ in range(4):
        place(service)
    finish(sim, panel)
    run(Kind.REFILL, Order.objects.all())
    sim.reset()
    sim.advance(60)

    changed = refills_status_sync(panel=panel)

    assert changed == 4
    assert sim.stats()["requests"] == {"refill_status": 1}
    statuses = sorted(Refill.objects.values_list("status", flat=True))
    assert statuses == sorted([RefillStatus.COMPLETED] * 3 + [RefillStatus.REJECTED])


@responses.activate
def test_the_seed_pages_batch_answers_are_recorded(db, settings):
    settings.PANEL_HTTP_RETRIES = 0
    url = "https://seed.example/api/v2"
    panel = panel_create(name="Seed", api_url=url, api_key="seed-key")
    service = Service.objects.create(
        panel=panel, remote_id="1", name="Followers", rate="0.9", refill=True, cancel=True
    )
    orders = {
        rid: Order.objects.create(
            panel=panel,
            service=service,
            quantity=100,
            state=State.PLACED,
            remote_id=rid,
            status=status,
        )
        for rid, status in (
            ("1", Status.COMPLETED),
            ("2", Status.COMPLETED),
            ("3", Status.COMPLETED),
            ("9", Status.PENDING),
        )
    }
    responses.add(responses.POST, url, body=example("002", "refills"))
    responses.add(responses.POST, url, body=example("002", "cancel"))

    refill = run(Kind.REFILL, Order.objects.filter(remote_id__in=["1", "2", "3"]))
    orders["2"].status = Status.PENDING  # the seed's cancel example names orders 9 and 2
    orders["2"].save()
    cancel = run(Kind.CANCEL, Order.objects.filter(remote_id__in=["9", "2"]))

    assert set(Refill.objects.values_list("remote_id", flat=True)) == {"1", "2"}
    assert outcomes(refill)[orders["3"].pk] == (Outcome.REJECTED, "incorrect_order_id")
    assert outcomes(cancel)[orders["9"].pk] == (Outcome.REJECTED, "incorrect_order_id")
    assert outcomes(cancel)[orders["2"].pk] == (Outcome.DONE, "")
