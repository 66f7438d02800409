"""Billing faults: the panel answers well but bills wrong, set through the faults control."""

from __future__ import annotations

from decimal import Decimal

import requests

from simulator import BILLING_FAULT_NAMES, SimulatorHandle
from tests.simulator.helpers import Api

SIX_COMMENTS = "\n".join(f"Nice post {n}" for n in range(6))


def balance(api: Api) -> Decimal:
    return Decimal(api("balance")["balance"])


def charge_of(api: Api, order_id: object) -> Decimal:
    return Decimal(api("status", order=order_id)["charge"])


def test_billing_faults_are_known_fault_names():
    assert {"billing_charge", "billing_debit"} == BILLING_FAULT_NAMES


def test_billing_charge_counts_comments_split_on_a_literal_backslash_n(sim: SimulatorHandle, api):
    sim.set_fault("billing_charge")
    before = balance(api)

    order = api.add(service=7, link="https://instagram.com/p/a", comments=SIX_COMMENTS)["order"]

    # Six comments one per line read as one: 12.00 per 1000 for one comment, not six.
    assert charge_of(api, order) == Decimal("0.012")
    assert before - balance(api) == Decimal("0.012")  # the balance follows the wrong charge


def test_billing_charge_leaves_other_types_and_a_clean_panel_alone(sim: SimulatorHandle, api):
    sim.set_fault("billing_charge")
    followers = api.add(service=4, link="https://instagram.com/p/b", quantity=1000)["order"]
    sim.clear_faults()
    comments = api.add(service=7, link="https://instagram.com/p/c", comments=SIX_COMMENTS)["order"]

    assert charge_of(api, followers) == Decimal("0.45")
    assert charge_of(api, comments) == Decimal("0.072")


def test_billing_charge_takes_the_order_types_it_is_given(sim: SimulatorHandle, api):
    sim.set_fault("billing_charge", order_types=["Comment Replies"])
    comments = api.add(service=7, link="https://instagram.com/p/d", comments=SIX_COMMENTS)["order"]

    assert charge_of(api, comments) == Decimal("0.072")  # not chosen: billed right


def test_billing_debit_takes_a_drip_feed_orders_units_as_money(sim: SimulatorHandle, api):
    sim.set_fault("billing_debit")
    sim.set_balance(Decimal("50"))

    order = api.add(service=5, link="https://instagram.com/p/e", quantity=50, runs=10, interval=5)[
        "order"
    ]

    assert charge_of(api, order) == Decimal("0.075")  # reported as it should be
    assert balance(api) == Decimal("-450")  # 500 units taken as 500.00 (the real case)


def test_billing_debit_leaves_orders_without_runs_alone(sim: SimulatorHandle, api):
    sim.set_fault("billing_debit")
    sim.set_balance(Decimal("50"))

    api.add(service=5, link="https://instagram.com/p/f", quantity=500)

    assert balance(api) == Decimal("49.925")


def test_billing_faults_are_set_through_the_control_api(sim: SimulatorHandle, api):
    answer = requests.post(
        f"{sim.base_url}/_sim/faults",
        json={"fault": "billing_debit", "order_types": "Default", "count": 1},
        timeout=5,
    ).json()
    sim.set_balance(Decimal("100"))

    assert answer["fault"]["order_types"] == ["Default"]
    api.add(service=5, link="https://instagram.com/p/g", quantity=40)  # chosen: 40 taken
    api.add(service=5, link="https://instagram.com/p/h", quantity=40)  # count used up

    assert balance(api) == Decimal("100") - 40 - Decimal("0.006")
