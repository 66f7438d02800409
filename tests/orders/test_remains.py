"""Cancel and re-place the remains elsewhere, against three simulated panels selling the same
offer: only what the panel confirms it did not deliver is placed again, on another panel,
once; a refused cancel or a completed order re-places nothing."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from orders.models import BulkAction, BulkItem, Order, OrderStatusChange, RemainsReplacement
from orders.services import order_claim, order_dispatch, orders_status_sync
from orders.services.bulk import bulk_create, bulk_execute, bulk_preview
from orders.services.remains import order_replace_remains, orders_replace_remains_due
from panels.api.normalise import Status
from panels.models import MatchVerdict, Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import start_simulator
from tests.orders.helpers import adds, place, svc

KEY = "remains-key"
LIKES = "5"  # "Instagram Likes [Fast]": on every panel, cancel allowed
STAGE = 1_000_000.0  # simulated seconds per stage: the test's own seconds move nothing
Kind = BulkAction.Kind


@pytest.fixture
def panels(tmp_path, db, settings):
    settings.PANEL_HTTP_RETRIES = 0
    sims, found = {}, {}
    for name in ("A", "B", "C"):
        # Frozen clocks: "half delivered" is exactly 500, however long the machine takes.
        sims[name] = start_simulator(
            state_dir=tmp_path / name, keys=(KEY,), stage_seconds=STAGE, frozen_clock=True
        )
        panel = panel_create(name=f"Panel {name}", api_url=sims[name].api_url(), api_key=KEY)
        catalog_sync(panel=panel)
        Panel.objects.filter(pk=panel.pk).update(currency="USD")
        found[name] = Panel.objects.get(pk=panel.pk)
    yield sims, found
    for sim in sims.values():
        sim.stop()


def replace(orders) -> BulkAction:
    bulk = bulk_create(kind=Kind.REPLACE, orders=orders, token=uuid.uuid4(), enqueue=False)
    return bulk_execute(bulk_id=bulk.pk) or BulkAction.objects.get(pk=bulk.pk)


def elsewhere(sims) -> int:
    return adds(sims["B"]) + adds(sims["C"])


def running_on_a(sims, found, *, stages: float) -> Order:
    """An order of 1,000 likes on A, `stages` of the way through (1.5: half delivered)."""
    order = place(svc(found["A"], LIKES), quantity=1000)
    sims["A"].advance(STAGE * stages)
    orders_status_sync(panel=found["A"])
    order.refresh_from_db()
    return order


def history(order: Order) -> str:
    return " | ".join(OrderStatusChange.objects.filter(order=order).values_list("note", flat=True))


def test_a_half_delivered_order_has_only_its_remains_placed_on_another_panel(panels) -> None:
    sims, found = panels
    order = running_on_a(sims, found, stages=1.5)
    assert (order.status, order.remains) == (Status.IN_PROGRESS, 500)
    Order.objects.filter(pk=order.pk).update(sale_price=Decimal("4.00"), customer_ref="Acme")

    bulk = replace(Order.objects.filter(pk=order.pk))

    # The cancel was taken; nothing is bought until A says what remains.
    assert bulk.items.get().outcome == BulkItem.Outcome.DONE
    order.refresh_from_db()
    assert order.replace_remains == RemainsReplacement.ASKED
    assert Order.objects.count() == 1
    assert elsewhere(sims) == 0
    assert "re-placed once it confirms them" in history(order)

    orders_status_sync(panel=found["A"])

    order.refresh_from_db()
    assert (order.status, order.remains) == (Status.PARTIAL, 500)
    assert order.replace_remains == RemainsReplacement.DONE
    moved = Order.objects.get(retry_of=order)
    assert moved.panel in (found["B"], found["C"])
    assert (moved.quantity, moved.link, moved.state) == (500, order.link, Order.State.QUEUED)
    # The customer paid once, on the first order: the remains sell for 0, their cost counts.
    assert (moved.sale_price, moved.customer_ref) == (Decimal(0), "Acme")
    assert moved.route["tried"] == [found["A"].pk]
    assert moved.route["note"].startswith(f"Remains of order #{order.pk} (500 of 1000)")
    assert f"with 500 of 1000 left: re-placed on {moved.panel.name} as order #{moved.pk}" in (
        history(order)
    )

    # Seen again, by a later sync or the catch-up: still one re-placement.
    orders_status_sync(panel=found["A"])
    assert orders_replace_remains_due() == []
    assert order_replace_remains(order_id=order.pk) is None
    assert Order.objects.count() == 2

    # Sent: the other panel's ledger holds exactly the remains.
    assert order_claim(order_id=moved.pk)
    moved.refresh_from_db()
    order_dispatch(order=moved)
    target = sims["B"] if moved.panel == found["B"] else sims["C"]
    assert [(o["link"], o["quantity"]) for o in target.orders()] == [(order.link, 500)]
    assert elsewhere(sims) == 1


def test_an_order_not_started_has_all_of_it_placed_elsewhere(panels) -> None:
    sims, found = panels
    order = running_on_a(sims, found, stages=0.5)
    assert order.status == Status.PENDING

    replace(Order.objects.filter(pk=order.pk))
    orders_status_sync(panel=found["A"])

    order.refresh_from_db()
    assert (order.status, order.remains) == (Status.CANCELED, 1000)
    assert Order.objects.get(retry_of=order).quantity == 1000


def test_a_refused_cancel_re_places_nothing(panels) -> None:
    sims, found = panels
    order = running_on_a(sims, found, stages=1.5)
    sims["A"].advance(STAGE)  # it completes on A before the cancel arrives

    bulk = replace(Order.objects.filter(pk=order.pk))

    item = bulk.items.get()
    assert item.outcome == BulkItem.Outcome.REJECTED
    order.refresh_from_db()
    assert order.replace_remains == ""
    assert (
        "Cancel not taken (refused by the panel: Order can't be canceled): nothing re-placed"
        in (history(order))
    )
    orders_status_sync(panel=found["A"])
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
    assert orders_replace_remains_due() == []
    assert Order.objects.count() == 1
    assert elsewhere(sims) == 0


def test_an_order_completed_after_the_cancel_was_taken_re_places_nothing(panels) -> None:
    """The panel took the cancel but reports the order completed: nothing remains."""
    sims, found = panels
    order = running_on_a(sims, found, stages=1.5)
    replace(Order.objects.filter(pk=order.pk))
    Order.objects.filter(pk=order.pk).update(status=Status.COMPLETED, remains=0)

    assert order_replace_remains(order_id=order.pk) is None

    order.refresh_from_db()
    assert order.replace_remains == RemainsReplacement.NOT_DONE
    assert "remains not re-placed. It was delivered before the cancel took effect." in history(
        order
    )
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("remains", "why"),
    [
        (None, "The panel did not say how many remain"),
        (5000, "The panel says 5000 remain of 1000: not re-placed."),
    ],
)
def test_remains_the_panel_does_not_state_believably_are_not_re_placed(
    panels, remains, why
) -> None:
    sims, found = panels
    order = running_on_a(sims, found, stages=1.5)
    replace(Order.objects.filter(pk=order.pk))
    Order.objects.filter(pk=order.pk).update(status=Status.PARTIAL, remains=remains)

    assert order_replace_remains(order_id=order.pk) is None
    assert why in history(Order.objects.get(pk=order.pk))
    assert Order.objects.count() == 1


def test_the_preview_leaves_out_what_cannot_be_re_placed(panels) -> None:
    sims, found = panels
    likes = running_on_a(sims, found, stages=1.5)
    drip = place(svc(found["A"], LIKES), quantity=100, runs=3, interval=10)
    comments = place(svc(found["A"], "7"), comments="Nice\nGreat\nWow\nCool\nTop")
    # An offer no other panel carries any more: delisted on B, split off by a person on C.
    followers = place(svc(found["A"], "4"), quantity=100)
    offer = Service.objects.filter(match_key=svc(found["A"], "4").match_key)
    offer.filter(panel=found["B"]).update(is_active=False)
    for split in offer.filter(panel=found["C"]):
        MatchVerdict.objects.create(
            service=split, key=split.match_key, verdict=MatchVerdict.Verdict.SPLIT
        )
    orders_status_sync(panel=found["A"])

    preview = bulk_preview(kind=Kind.REPLACE, orders=Order.objects.all())

    assert (preview.total, preview.eligible) == (4, 1)
    reasons = {reason for _, reason, _ in preview.reasons()}
    assert any(r.startswith("Only a quantity of one link can be re-placed") for r in reasons)
    assert "No other panel carries this offer: its remains would have nowhere to go." in reasons
    assert {likes.pk, drip.pk, comments.pk, followers.pk} == set(
        Order.objects.values_list("pk", flat=True)
    )


def test_a_second_action_confirmed_before_the_first_ran_re_places_nothing_more(db) -> None:
    """Two 'cancel and re-place' actions confirmed for one running order (two tabs). The first
    re-places the remains; the second's cancel is taken too, by a panel that accepts a cancel
    of an order it already canceled: the order is not marked again, nothing more is bought."""
    import responses

    from tests.factories import PanelFactory, ServiceFactory
    from tests.orders.hostile import answer_with, make_panel, make_service, placed

    panel = make_panel()
    service = make_service(panel=panel, name="Instagram Followers [HQ]")
    elsewhere = ServiceFactory(
        panel=PanelFactory(name="Other", currency="USD"),
        name="Instagram Followers [HQ]",
    )
    assert service.match_key == elsewhere.match_key
    (order,) = placed(panel, service, 1, status=Status.IN_PROGRESS)
    first = bulk_create(kind=Kind.REPLACE, orders=Order.objects.filter(pk=order.pk),
                        token=uuid.uuid4(), enqueue=False)  # fmt: skip
    second = bulk_create(kind=Kind.REPLACE, orders=Order.objects.filter(pk=order.pk),
                         token=uuid.uuid4(), enqueue=False)  # fmt: skip
    assert (first.eligible, second.eligible) == (1, 1)

    def answer(fields: dict) -> object:
        if fields["action"] == "cancel":
            return [{"order": 1, "cancel": 1}]
        return {"1": {"status": "Partial", "charge": "0.30", "start_count": "7",
                      "remains": "40", "currency": "USD"}}  # fmt: skip

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_with(mock, answer)
        bulk_execute(bulk_id=first.pk)
        orders_status_sync(panel=panel)
        assert Order.objects.get(pk=order.pk).replace_remains == RemainsReplacement.DONE
        bulk_execute(bulk_id=second.pk)

    assert BulkItem.objects.get(bulk=second).outcome == BulkItem.Outcome.DONE  # taken again
    assert Order.objects.get(pk=order.pk).replace_remains == RemainsReplacement.DONE
    assert list(Order.objects.filter(retry_of=order).values_list("quantity", flat=True)) == [40]
