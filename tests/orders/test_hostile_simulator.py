"""The whole product against a hostile panel over real HTTP: the simulator's trickle,
malformed_status, out_of_range and decimal_comma faults, through the real client, `catalog_sync`,
`order_dispatch` and `orders_status_sync`.

What must hold: one bad value sets aside its own entry with a plain reason and nothing else; an
answer trickled past the deadline leaves the order unknown after exactly one `add`; numbers with
a decimal comma are read as the panel meant them.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Order
from orders.services import order_claim, order_create, order_dispatch, orders_status_sync
from panels.models import CatalogSync, Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import start_simulator

pytestmark = pytest.mark.django_db(transaction=True)
KEY = "hostile-sim-key"
State = Order.State


@pytest.fixture
def sim(tmp_path, settings):
    settings.PANEL_HTTP_RETRIES = 0
    settings.PANEL_HTTP_BACKOFF = 0.01
    handle = start_simulator(state_dir=tmp_path / "sim", keys=(KEY,), balance="1000")
    yield handle
    handle.stop()


@pytest.fixture
def panel(sim) -> Panel:
    panel = panel_create(name="Hostile sim", api_url=sim.api_url(), api_key=KEY, timeout_seconds=2)
    catalog_sync(panel=panel)
    return panel


def _service(panel: Panel) -> Service:
    return (
        Service.objects.filter(panel=panel, type="default", dripfeed=False, min_quantity__lte=100)
        .order_by("remote_id")
        .first()
    )


def _send(panel: Panel, link: str) -> Order:
    order = order_create(
        service=_service(panel), values={"link": link, "quantity": 100}, dispatch=False
    )
    assert order_claim(order_id=order.pk)
    return order_dispatch(order=Order.objects.select_related("panel", "service").get(pk=order.pk))


def test_out_of_range_catalog_entries_are_set_aside_and_the_rest_is_stored(sim, tmp_path):
    panel = panel_create(name="Fresh", api_url=sim.api_url(), api_key=KEY, timeout_seconds=2)
    listed = {str(s.id) for s in sim.services()}
    sim.set_fault("out_of_range", actions=["services"])  # services 1-5, one variant each

    run = CatalogSync.objects.create(panel=panel)
    result = catalog_sync(panel=panel, run=run)

    run.refresh_from_db()
    assert run.state == CatalogSync.State.DONE
    stored = set(Service.objects.filter(panel=panel).values_list("remote_id", flat=True))
    assert stored == listed - {"1", "2", "3", "4"}  # a nonsense refill time keeps service 5
    assert result.skipped == 4
    reasons = " ".join(run.notes)
    assert "service 1: rate 1E+309 is too large to be real" in reasons
    five = Service.objects.get(panel=panel, remote_id="5")
    assert five.refill_days is None
    panel.refresh_from_db()
    assert panel.health == Panel.Health.OK  # the panel works; four of its entries do not
    assert "4 set aside: service 1: rate" in run.summary  # what the panels page shows


@pytest.mark.parametrize(
    ("variant", "why"),
    [("id_inf", "longer than 100 digits"), ("id_long", "longer than 100 characters"),
     ("id_nan", "is not a number"), ("id_zero", "is not a positive number"),
     ("id_negative", "is not a positive number"), ("id_fraction", "is not a whole number")],
)  # fmt: skip
def test_a_senseless_order_id_leaves_the_order_unknown_with_the_answer(sim, panel, variant, why):
    sim.set_fault("out_of_range", actions=["add"], variants=[variant])

    order = _send(panel, f"https://example.com/{variant}")

    assert order.state == State.UNKNOWN
    assert order.remote_id is None
    assert why in order.last_error
    assert order.add_answer.startswith("{")  # the panel's very words, kept
    (add,) = sim.requests("add")
    assert [o["link"] for o in sim.orders()] == [order.link]  # the panel did place it, once
    assert add.order == str(sim.orders()[0]["id"])


def test_an_add_answer_trickled_past_the_deadline_is_unknown_after_one_add(sim, panel):
    # One byte every 0.5 s: the answer ({"order": N}) would take 6 s or more; the deadline is 2 s.
    sim.set_fault("trickle", actions=["add"], trickle_interval=0.5)

    order = _send(panel, "https://example.com/trickled")

    assert order.state == State.UNKNOWN
    assert "no complete answer within 2s" in order.last_error
    assert "worker" not in order.last_error  # the truth: the panel was slow, no worker died
    assert len(sim.requests("add")) == 1
    assert len(sim.orders()) == 1  # placed on the panel: a person must look, never a resend


def test_malformed_status_entries_set_aside_their_orders_and_the_others_are_updated(sim, panel):
    orders = [_send(panel, f"https://example.com/s/{n}") for n in range(6)]
    assert {o.state for o in orders} == {State.PLACED}
    sim.advance(3600)  # every order completes on the panel
    targets = [orders[1].remote_id, orders[4].remote_id]
    sim.set_fault("malformed_status", targets=targets, variants=["null", "remains_huge"])

    result = orders_status_sync(panel=panel)

    assert (result.updated, result.set_aside) == (4, 2)
    by_id = {o.remote_id: o for o in Order.objects.filter(panel=panel)}
    ledger = {str(o["id"]): o for o in sim.orders()}
    for remote_id, order in by_id.items():
        if remote_id in targets:
            assert order.status == "pending"  # its last good values stay
            assert order.error_reason == "unusable_answer"
        else:
            assert order.status == ledger[remote_id]["status"].lower().replace(" ", "_")
            assert order.status in ("completed", "partial")
            assert order.charge == Decimal(ledger[remote_id]["charge"])
    assert "is too large to be real" in by_id[targets[1]].last_error
    panel.refresh_from_db()
    assert panel.health == Panel.Health.OK


def test_decimal_commas_in_rates_and_charges_are_read_as_the_panel_meant(sim, tmp_path):
    sim.set_fault("decimal_comma")
    panel = panel_create(name="Comma", api_url=sim.api_url(), api_key=KEY, timeout_seconds=2)

    catalog_sync(panel=panel)

    for remote in sim.services():
        stored = Service.objects.get(panel=panel, remote_id=str(remote.id))
        assert stored.rate == Decimal(str(remote.rate))
    order = _send(panel, "https://example.com/comma")
    sim.advance(3600)
    orders_status_sync(panel=panel)
    order.refresh_from_db()
    (remote,) = sim.orders()
    assert order.charge == Decimal(remote["charge"]) > 0
