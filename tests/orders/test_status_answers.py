"""Status sync against a panel whose answers are partly malformed or out of range: one bad
entry sets that order aside with a plain reason, everything else is written."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import responses

from orders.models import Order
from orders.services import orders_status_sync
from panels.api.answer_values import UNUSABLE, UnusableAnswer
from panels.api.errors import PanelUnavailable
from panels.api.normalise import Status
from panels.models import Panel
from tests.orders.hostile import (
    answer_with,
    good_status,
    make_panel,
    make_service,
    placed,
    statuses_answer,
)


@pytest.fixture
def panel(db, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    return make_panel()


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def kept_previous_values(order: Order) -> bool:
    order.refresh_from_db()
    return (order.status, order.charge, order.remains, order.start_count) == (
        Status.PENDING,
        Decimal("0.50"),
        40,
        7,
    )


def test_malformed_entries_set_aside_their_orders_and_every_other_batch_is_written(panel, mock):
    orders = placed(panel, make_service(panel=panel), 250)
    broken = {"7": {"charge": "1.0"}, "120": "Completed", "230": None}
    answer_with(mock, statuses_answer(lambda i: broken.get(i, good_status(i))))

    result = orders_status_sync(panel=panel)

    assert (result.checked, result.updated, result.set_aside, result.calls) == (250, 247, 3, 3)
    assert result.summary == "247 of 250 orders updated; 3 answers set aside"
    by_remote = {o.remote_id: o for o in Order.objects.filter(pk__in=[o.pk for o in orders])}
    assert by_remote["249"].status == Status.IN_PROGRESS
    assert by_remote["249"].charge == Decimal("0.27")
    for remote_id in broken:
        assert kept_previous_values(by_remote[remote_id])
        assert by_remote[remote_id].error_reason == UNUSABLE
    assert "no status" in by_remote["7"].last_error
    assert "not an object" in by_remote["120"].last_error
    panel.refresh_from_db()
    assert panel.health == Panel.Health.OK
    assert panel.last_error.startswith("Status sync: 247 of 250 orders updated; 3 answers")
    assert "Check the URL" not in panel.last_error


HUGE_INT = "a JSON integer of 5,000 digits"


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("remains", "1e30", "remains 1e30 is too large to be real"),
        ("remains", 10**30, "too large to be real"),
        ("charge", "1000000000000", "charge 1000000000000 is too large to be real"),
        ("charge", "-0.5", "charge -0.5 is negative"),
        ("remains", "-3", "remains -3 is negative"),
        # A bare JSON integer of 5,000 digits: past Python's int-from-text limit.
        ("remains", HUGE_INT, "is too large to be real"),
        ("start_count", -1, "start count -1 is negative"),
        ("remains", "2.5", "remains 2.5 is not a whole number"),
        ("charge", "1,234", "charge 1,234 could be 1234 or 1.234"),
        ("status", ["Completed"], "is not a status"),
        ("orders", ["55", "NaN"], "child order id NaN is not a positive whole number"),
    ],
)
def test_an_out_of_range_value_sets_aside_that_order_only(panel, mock, field, value, reason):
    bad, good = placed(panel, make_service(panel=panel), 2)
    answer = statuses_answer(
        lambda i: {**good_status(i), field: value} if i == bad.remote_id else good_status(i)
    )
    # HUGE_INT goes out as a bare number, which json.dumps cannot be made to write.
    answer_with(mock, lambda f: json.dumps(answer(f)).replace(f'"{HUGE_INT}"', "9" * 5000))

    result = orders_status_sync(panel=panel)

    assert (result.updated, result.set_aside) == (1, 1)
    assert kept_previous_values(bad)
    assert bad.error_reason == UNUSABLE
    assert bad.last_error.startswith("The panel's status answer for this order is unusable")
    assert reason in bad.last_error
    good.refresh_from_db()
    assert (good.status, good.charge, good.remains) == (Status.IN_PROGRESS, Decimal("0.27"), 10)


@pytest.mark.parametrize(
    ("charge", "stored"),
    [("0,27", "0.27"), ("12,5", "12.5"), ("1.234,56", "1234.56"), (" 0.1 ", "0.1")],
)
def test_decimal_commas_in_the_charge_are_read(panel, mock, charge, stored):
    (order,) = placed(panel, make_service(panel=panel), 1)
    answer_with(mock, statuses_answer(lambda i: {**good_status(i), "charge": charge}))

    orders_status_sync(panel=panel)

    order.refresh_from_db()
    assert order.charge == Decimal(stored)
    assert order.last_error == ""


def test_a_one_order_answer_in_single_form_is_read_or_set_aside(panel, mock):
    first, second = placed(panel, make_service(panel=panel), 2)
    # Asked about one order, the panel answers as for `order=`, without the id as key.
    answer_with(
        mock,
        lambda f: (
            {"status": "Completed", "remains": "0", "charge": "0,3"}
            if f["orders"] == first.remote_id
            else {"status": None}
        ),
    )

    orders_status_sync(panel=panel, orders=[first])
    orders_status_sync(panel=panel, orders=[second])

    first.refresh_from_db()
    assert (first.status, first.remains, first.charge) == (Status.COMPLETED, 0, Decimal("0.3"))
    assert kept_previous_values(second)
    assert "there is no status" in second.last_error


def test_the_reason_is_in_the_history_once_and_goes_away_with_a_good_answer(panel, mock):
    (order,) = placed(panel, make_service(panel=panel), 1)
    answers = iter([{"status": "Pending", "remains": "1e30"}] * 2 + [good_status("1")])
    answer_with(mock, statuses_answer(lambda i: next(answers)))

    orders_status_sync(panel=panel)
    orders_status_sync(panel=panel)
    notes = [c.note for c in order.status_changes.all()]
    assert notes == [
        "The panel's status answer for this order is unusable: "
        "remains 1e30 is too large to be real."
    ]

    orders_status_sync(panel=panel)
    order.refresh_from_db()
    assert (order.status, order.remains, order.last_error, order.error_reason) == (
        Status.IN_PROGRESS,
        10,
        "",
        "",
    )


def test_a_single_order_status_call_sets_aside_a_malformed_answer(panel, mock):
    answer_with(
        mock,
        lambda f: (
            {"status": "Pending", "remains": "1e30"} if f["order"] == "1" else {"charge": "0.2"}
        ),
    )
    client = panel.client()

    too_large, no_status = client.status("1"), client.status("2")

    assert isinstance(too_large, UnusableAnswer)
    assert "remains 1e30 is too large to be real" in too_large.message
    assert isinstance(no_status, UnusableAnswer)
    assert "no status" in no_status.message


def test_a_body_that_is_not_json_is_a_panel_failure(panel, mock):
    placed(panel, make_service(panel=panel), 1)
    answer_with(mock, lambda f: "<html>Just a moment...</html>")

    with pytest.raises(PanelUnavailable):
        orders_status_sync(panel=panel)

    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING


def test_nul_characters_and_nan_in_an_answer_are_stored_safely(panel, mock):
    (order,) = placed(panel, make_service(panel=panel), 1)
    body = '{"1": {"status": "In\\u0000 progress", "remains": "5", "extra": NaN, "k\\u0000": 1}}'
    answer_with(mock, lambda f: body)

    result = orders_status_sync(panel=panel)

    assert result.updated == 1
    order.refresh_from_db()
    assert (order.status, order.status_raw, order.remains) == (Status.IN_PROGRESS, "In progress", 5)
    assert order.raw_status["extra"] == "nan"


def test_the_order_page_shows_why_its_last_answer_was_set_aside(panel, mock, logged_in):
    (order,) = placed(panel, make_service(panel=panel), 1)
    answer_with(mock, statuses_answer(lambda i: {"status": "Pending", "remains": "1e30"}))
    orders_status_sync(panel=panel)

    page = logged_in.get(f"/orders/{order.pk}/").content.decode()

    assert "Last status answer set aside" in page
    assert "remains 1e30 is too large to be real" in page


def test_refresh_says_the_answer_could_not_be_used(panel, mock, logged_in):
    (order,) = placed(panel, make_service(panel=panel), 1)
    answer_with(mock, statuses_answer(lambda i: {"status": "Pending", "charge": "-1"}))

    page = logged_in.post(f"/orders/{order.pk}/refresh/", follow=True).content.decode()

    assert "Hostile answered, but its answer could not be used" in page
    assert "charge -1 is negative" in page
