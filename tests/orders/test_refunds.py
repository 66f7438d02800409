"""The refund an order is owed when it ends partial or canceled, by the panel's own numbers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import responses

from orders.models import Order
from orders.services import orders_status_sync
from panels.api.normalise import Status
from panels.models import Panel
from tests.orders.hostile import answer_with, make_panel, make_service, placed, statuses_answer


@pytest.fixture
def mock(db, settings):
    """The panel's answers, given by each test (see `answer`)."""
    settings.PANEL_HTTP_RETRIES = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def panel(mock) -> Panel:
    return make_panel()


def one_order(panel: Panel, first: int = 1, **fields: Any) -> Order:
    service = panel.services.first() or make_service(panel=panel)
    order = placed(panel, service, 1, first=first)[0]
    Order.objects.filter(pk=order.pk).update(**fields)
    order.refresh_from_db()
    return order


def answer(mock, status: str, charge: str, remains: str) -> None:
    entry = {"status": status, "charge": charge, "remains": remains, "currency": "USD"}
    answer_with(mock, statuses_answer(lambda _id: entry))


def synced(panel: Panel, order: Order) -> Order:
    orders_status_sync(panel=panel)
    order.refresh_from_db()
    return order


def test_a_partial_order_whose_charge_stays_is_owed_charge_times_remains_over_quantity(panel, mock):
    order = one_order(panel, charge=Decimal("0.90"), quantity=1000)
    answer(mock, "Partial", "0.90", "157")

    order = synced(panel, order)

    assert order.refund == Decimal("0.1413")  # 0.90 × 157 / 1000, exactly
    assert order.charge == Decimal("0.90")  # what was taken stays
    assert order.refund_seen_at is not None


def test_a_drip_feed_order_counts_every_run(panel, mock):
    order = one_order(panel, charge=Decimal("1.00"), quantity=100, runs=10)
    answer(mock, "Partial", "1.00", "250")

    order = synced(panel, order)

    assert order.refund == Decimal("0.25")  # 250 of 100 × 10 units undelivered


def test_where_the_panel_lowered_the_charge_the_refund_is_what_it_lowered_not_twice(panel, mock):
    order = one_order(panel, charge=Decimal("10.00"), quantity=1000)
    answer(mock, "Partial", "6.00", "400")

    order = synced(panel, order)

    assert order.refund == Decimal("4.00")
    # What was taken stays the charge, so charge − refund is what it cost: the difference once.
    assert order.charge == Decimal("10.00")
    assert order.status_changes.last().charge == Decimal("6.00")  # the panel's own figure


def test_a_canceled_order_charged_zero_is_owed_all_that_was_taken(panel, mock):
    order = one_order(panel, charge=Decimal("2.5"), quantity=1000)
    answer(mock, "Canceled", "0", "1000")

    order = synced(panel, order)

    assert (order.refund, order.charge) == (Decimal("2.5"), Decimal("2.5"))


def test_a_refunded_order_is_owed_all_of_its_charge(panel, mock):
    order = one_order(panel, charge=Decimal("2.5"), quantity=1000)
    answer(mock, "Refunded", "2.5", "0")

    order = synced(panel, order)
    assert (order.refund, order.charge) == (Decimal("2.5"), Decimal("2.5"))


def test_an_order_first_seen_lowered_is_judged_against_its_estimate(panel, mock):
    order = one_order(panel, charge=None, estimated_cost=Decimal("3.00"), quantity=300)
    answer(mock, "Partial", "2.00", "100")

    order = synced(panel, order)

    assert (order.refund, order.charge) == (Decimal("1.00"), Decimal("3.00"))


@pytest.mark.parametrize(
    ("status", "charge", "remains", "refund", "taken"),
    [
        # Its own lower price, kept: the share of the remains (2.70 × 100 / 300).
        ("Partial", "2.70", "100", "0.90", "2.70"),
        ("Canceled", "2.70", "300", "2.70", "2.70"),
        # The estimate's share of what was delivered, within the tolerance: lowered.
        ("Partial", "2.005", "100", "0.995", "3.00"),
        ("Canceled", "0", "300", "3.00", "3.00"),
        ("Canceled", "0", "0", "3.00", "3.00"),  # nothing left, whatever remains says
        # The share delivered of the price at the service's rate now (6.00 per 1000, 1.80 for
        # this order): lowered from that, the panel's price having moved since the estimate.
        ("Partial", "1.20", "100", "0.60", "1.80"),
    ],
)
def test_an_order_first_seen_ended_below_its_estimate_is_read_as_lowered_or_kept(
    panel, mock, status, charge, remains, refund, taken
):
    order = one_order(panel, charge=None, estimated_cost=Decimal("3.00"), quantity=300)
    order.service.rate = Decimal("6.00")  # was 10.00 per 1000 when the estimate was made
    order.service.save()
    answer(mock, status, charge, remains)

    order = synced(panel, order)

    assert (order.refund, order.charge) == (Decimal(refund), Decimal(taken))


def test_a_refund_is_set_once_and_a_later_answer_changes_neither(panel, mock):
    order = one_order(panel, charge=Decimal("10.00"), quantity=1000)
    answer(mock, "Partial", "6.00", "400")
    order = synced(panel, order)
    seen_at = order.refund_seen_at
    mock.reset()
    answer(mock, "Partial", "5.00", "500")

    orders_status_sync(panel=panel, orders=[order])
    order.refresh_from_db()

    assert (order.refund, order.charge, order.refund_seen_at) == (
        Decimal("4.00"),
        Decimal("10.00"),
        seen_at,
    )


def test_a_completed_order_owes_nothing_and_unknown_remains_leave_the_refund_unknown(panel, mock):
    done = one_order(panel, charge=Decimal("1.00"))
    answer(mock, "Completed", "1.00", "0")
    assert synced(panel, done).refund is None
    mock.reset()
    unknown = one_order(panel, first=2, charge=Decimal("1.00"))
    answer(mock, "Partial", "1.00", "Unknown")

    unknown = synced(panel, unknown)

    assert (unknown.status, unknown.refund, unknown.refund_seen_at) == (Status.PARTIAL, None, None)


def test_the_order_page_shows_the_refund_owed(panel, mock, logged_in):
    order = one_order(panel, charge=Decimal("10.00"), quantity=1000)
    answer(mock, "Partial", "6.00", "400")
    synced(panel, order)

    page = logged_in.get(f"/orders/{order.pk}/").content.decode()

    assert "Refund owed" in page
    assert "4.00 USD" in page
