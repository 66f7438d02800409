"""Refill, refill status, cancel and balance answers that are partly malformed or out of range:
the bad entry is set aside with a plain reason, the others are recorded."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
import responses

from orders.models import BulkAction, BulkItem, Order, Refill
from orders.services.bulk import bulk_create, bulk_execute
from orders.services.refills import refills_status_sync
from panels.api.answer_values import UNUSABLE
from panels.api.normalise import RefillStatus, Status
from panels.models import Panel
from panels.services import balance_sync
from tests.orders.hostile import answer_with, make_panel, make_service, placed, refills_of

Kind = BulkAction.Kind
Outcome = BulkItem.Outcome


@pytest.fixture
def panel(db, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    return make_panel()


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def run(kind: str, orders: list[Order]) -> dict[str, BulkItem]:
    bulk = bulk_create(
        kind=kind, orders=Order.objects.filter(pk__in=[o.pk for o in orders]), token=uuid.uuid4()
    )
    bulk_execute(bulk_id=bulk.pk)
    return {i.order.remote_id: i for i in bulk.items.select_related("order")}


@pytest.mark.parametrize(
    ("refill_id", "why"),
    [
        ("NaN", "refill id NaN is not a positive whole number"),
        ("9" * 300, "is longer than 100 characters"),
        (0, "refill id 0 is not a positive number"),
        (-4, "refill id -4 is not a positive number"),
        (Decimal("1.5"), "refill id 1.5 is not a positive whole number"),
        ("ab cd", "refill id ab cd contains spaces, commas or control characters"),
        ("7,8", "refill id 7,8 contains spaces, commas or control characters"),
        (None, "there is no refill id"),
        ({"id": 3}, "is not an id"),
    ],
)
def test_an_absurd_refill_id_is_an_unknown_outcome_for_that_order_only(panel, mock, refill_id, why):
    bad, good = placed(panel, make_service(panel=panel), 2, status=Status.COMPLETED)
    answer_with(mock, lambda f: [{"order": 1, "refill": refill_id}, {"order": 2, "refill": 77}])

    items = run(Kind.REFILL, [bad, good])

    assert (items["1"].outcome, items["1"].reason) == (Outcome.UNKNOWN, UNUSABLE)
    assert why in items["1"].message
    assert "the panel may have created it" in items["1"].message
    assert items["2"].outcome == Outcome.DONE
    assert list(Refill.objects.values_list("order__remote_id", "remote_id")) == [("2", "77")]


@pytest.mark.parametrize("value", ["maybe", None, 2, [1], {"ok": 1}])
def test_a_cancel_answer_that_is_neither_yes_nor_no_is_an_unknown_outcome(panel, mock, value):
    bad, good, refused = placed(panel, make_service(panel=panel), 3)
    answer_with(
        mock,
        lambda f: [
            {"order": "1", "cancel": value},
            {"order": "2", "cancel": 1},
            {"order": "3", "cancel": "0"},
        ],
    )

    items = run(Kind.CANCEL, [bad, good, refused])

    assert (items["1"].outcome, items["1"].reason) == (Outcome.UNKNOWN, UNUSABLE)
    assert "is neither yes nor no" in items["1"].message
    assert items["2"].outcome == Outcome.DONE
    assert items["3"].outcome == Outcome.REJECTED
    assert "did not accept the cancel" in items["3"].message


@pytest.mark.parametrize(
    ("status", "why"),
    [("x" * 300, None), (None, "there is no status"), ({"a": 1}, "is not a status")],
)
def test_a_refill_status_that_is_not_a_status_is_noted_on_that_refill(panel, mock, status, why):
    bad, good = refills_of(placed(panel, make_service(panel=panel), 2, status=Status.COMPLETED))
    answer_with(
        mock,
        lambda f: [
            {"refill": bad.remote_id, "status": status},
            {"refill": good.remote_id, "status": "Completed"},
        ],
    )

    changed = refills_status_sync(panel=panel)

    bad.refresh_from_db()
    good.refresh_from_db()
    assert good.status == RefillStatus.COMPLETED
    assert len(bad.status_raw) <= 100
    if why is None:  # a long word is a status the panel made up: shortened, kept as pending
        assert changed == 2
        assert bad.status == RefillStatus.PENDING
    else:
        assert changed == 1
        assert (bad.status, bad.status_raw) == (RefillStatus.PENDING, "Pending")
        assert why in bad.last_error


@pytest.mark.parametrize(
    ("balance", "currency", "why"),
    [
        ("1e30", "USD", "the balance 1e30 is too large to be real"),
        (
            "-1e30",
            "USD",
            "the balance -1e30 is too large to be real",
        ),  # overdrawn is real; this is not
        ("abc", "USD", "the balance abc is not a number"),
        (None, "USD", "the balance is empty (null)"),
        ("1,234", "USD", "could be 1234 or 1.234"),
        ([1], "USD", "is not a number"),
    ],
)
def test_an_unusable_balance_leaves_the_stored_one_and_says_why(
    panel, mock, balance, currency, why
):
    answer_with(mock, lambda f: {"balance": balance, "currency": currency})

    balance_sync(panel=panel)

    panel.refresh_from_db()
    assert panel.balance == Decimal("50.00")
    assert panel.health == Panel.Health.OK
    assert panel.last_error.startswith("Balance not updated:")
    assert why in panel.last_error


def test_a_balance_with_a_decimal_comma_and_an_odd_currency_is_stored(panel, mock):
    answer_with(mock, lambda f: {"balance": "12,5", "currency": "DOLLARS OF THE REALM"})

    balance_sync(panel=panel)

    panel.refresh_from_db()
    assert (panel.balance, panel.currency) == (Decimal("12.5"), "USD")
