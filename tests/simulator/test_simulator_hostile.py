"""Hostile answers over HTTP: malformed status entries, out-of-range values, decimal commas.

The wire text is checked raw (Python's json reads 1e309 and NaN its own way); the ledger must
stay the panel's real one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator import (
    ALL_FAULT_NAMES,
    BILLING_FAULT_NAMES,
    FAULT_NAMES,
    HOSTILE_FAULT_NAMES,
    SimulatorHandle,
)
from tests.simulator.helpers import KEY, Api, logged

ROOT = Path(__file__).resolve().parents[2]
SIX = "1,2,3,4,5,6"


def place(api: Api, count: int) -> None:
    for n in range(count):
        assert api.add(service=1, link=f"https://instagram.com/p/{n}", quantity=100)["order"]


def well_formed(entry: Any) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("status") == "Pending"
        and entry["charge"] == "0.09000"
        and entry["remains"] == "100"
        and entry["start_count"] == "0"
    )


def test_hostile_names_are_their_own_set() -> None:
    assert set(HOSTILE_FAULT_NAMES) == {
        "trickle",
        "malformed_status",
        "out_of_range",
        "decimal_comma",
    }
    assert ALL_FAULT_NAMES == FAULT_NAMES | HOSTILE_FAULT_NAMES | BILLING_FAULT_NAMES
    assert not FAULT_NAMES & HOSTILE_FAULT_NAMES
    assert not (FAULT_NAMES | HOSTILE_FAULT_NAMES) & BILLING_FAULT_NAMES


# --- malformed_status ------------------------------------------------------------------------


def test_only_the_targeted_orders_are_broken(api: Api, sim: SimulatorHandle) -> None:
    place(api, 6)
    sim.set_fault("malformed_status", targets=["2", "5"], variants=["null"])
    raw = api.post("status", orders=SIX + ",99").text
    assert '"2":null' in raw
    assert '"5":null' in raw
    answer = json.loads(raw)
    assert [token for token in answer if well_formed(answer[token])] == ["1", "3", "4", "6"]
    assert answer["99"] == {"error": "Incorrect order ID"}
    (entry,) = logged(sim, "status")
    assert (entry.outcome, entry.fault, entry.clean) == ("hostile", "malformed_status", False)
    assert entry.detail == "malformed: 2 null, 5 null"
    # The panel's own records are untouched.
    assert {order["status"] for order in sim.orders()} == {"Pending"}


def test_by_default_every_second_order_is_broken_in_turn(api: Api, sim: SimulatorHandle) -> None:
    place(api, 6)
    sim.set_fault("malformed_status")
    answer = api("status", orders=SIX)
    assert [well_formed(answer[token]) for token in "123456"] == [True, False] * 3
    assert "status" not in answer["2"]  # the first variant, no_status
    assert answer["4"] == "Pending"  # then a bare string
    assert answer["6"] is None  # then null


def test_every_nth_and_a_seeded_fraction(api: Api, sim: SimulatorHandle) -> None:
    place(api, 20)
    ids = ",".join(str(n) for n in range(1, 21))
    sim.set_fault("malformed_status", every=3, variants=["remains_huge"])
    answer = api("status", orders=ids)
    assert [token for token, entry in answer.items() if not well_formed(entry)] == [
        "3",
        "6",
        "9",
        "12",
        "15",
        "18",
    ]
    sim.set_fault("malformed_status", fraction=0.5, seed=7, variants=["null"])
    broken = [token for token, entry in api("status", orders=ids).items() if entry is None]
    assert 0 < len(broken) < 20
    assert [t for t, e in api("status", orders=ids).items() if e is None] == broken  # the same


@pytest.mark.parametrize(
    ("variant", "expected"),
    [
        ("no_status", '{"charge":"0.09000","start_count":"0","remains":"100","currency":"USD"}'),
        ("string", '"Pending"'),
        ("null", "null"),
        ("remains_huge", '"remains":"1e30"'),
        ("charge_huge", '"charge":"1000000000000.5"'),
        ("remains_negative", '"remains":"-5"'),
        ("charge_negative", '"charge":"-1.50000"'),
        ("start_count_negative", '"start_count":"-100"'),
    ],
)
def test_each_way_of_breaking_a_single_status(
    api: Api, sim: SimulatorHandle, variant: str, expected: str
) -> None:
    place(api, 2)
    sim.set_fault("malformed_status", targets=["1"], variants=[variant])
    assert expected in api.post("status", order=1).text
    assert well_formed(api("status", order=2))  # not targeted
    assert well_formed(api("status", orders="1")["1"]) is False
    assert sim.orders()[0]["charge"] == "0.09000"


def test_a_status_fault_is_not_used_up_by_other_actions(api: Api, sim: SimulatorHandle) -> None:
    place(api, 1)
    sim.set_fault("malformed_status", targets=["1"], variants=["null"], count=1)
    assert api("balance")["currency"] == "USD"
    assert logged(sim, "balance")[-1].fault is None
    assert api.post("status", order=1).text == "null"
    assert well_formed(api("status", order=1))  # count=1: used up by the status


# --- out_of_range --------------------------------------------------------------------------


def test_services_out_of_range_in_the_first_entries_only(api: Api, sim: SimulatorHandle) -> None:
    normal = api("services")
    sim.set_fault("out_of_range")
    raw = api.post("services").text
    assert '"service":1,' in raw
    assert '"rate":1e309,' in raw  # a bare JSON number, out of a double's range
    assert '"rate":"1000000000000.5"' in raw
    assert '"min":9223372036854775808' in raw
    assert '"max":18446744073709551616' in raw
    assert f'"refill_time":"{2**63}"' in raw
    spoiled = json.loads(raw)
    assert spoiled[0]["rate"] == float("inf")
    assert [s["service"] for s in spoiled] == [s["service"] for s in normal]
    assert spoiled[5:] == normal[5:]
    entry = logged(sim, "services", 2)[-1]
    assert entry.outcome == "hostile"
    assert entry.detail == (
        "out of range: 1 rate_inf, 2 rate_huge, 3 min_huge, 4 max_huge, 5 refill_time_huge"
    )


def test_services_out_of_range_targeted(api: Api, sim: SimulatorHandle) -> None:
    normal = api("services")
    sim.set_fault("out_of_range", targets=[3, 7], variants=["max_huge"])
    spoiled = api("services")
    changed = [s["service"] for s, n in zip(spoiled, normal, strict=True) if s != n]
    assert changed == [3, 7]
    assert spoiled[2]["max"] == 2**64


@pytest.mark.parametrize(
    ("variant", "raw"),
    [
        ("id_inf", '{"order":1e309}'),
        ("id_nan", '{"order":NaN}'),
        ("id_zero", '{"order":0}'),
        ("id_negative", '{"order":-5}'),
        ("id_fraction", '{"order":12.5}'),
        ("id_long", '{"order":"ord-' + "7" * 296 + '"}'),
    ],
)
def test_add_answers_a_hostile_id_for_a_real_order(
    api: Api, sim: SimulatorHandle, variant: str, raw: str
) -> None:
    sim.set_fault("out_of_range", variants=[variant])
    link = "https://instagram.com/p/hostile"
    assert api.post("add", service=1, link=link, quantity=100).text == raw
    (order,) = sim.orders()
    assert (order["id"], order["link"], order["charge"]) == ("1", link, "0.09000")
    sim.clear_faults()
    assert api("balance")["balance"] == "999.91000"
    (entry,) = logged(sim, "add")
    assert (entry.outcome, entry.order, entry.clean) == ("hostile", "1", False)
    assert entry.detail is not None
    assert entry.detail.startswith("order 1 answered as ")


def test_add_ids_in_turn_and_errors_untouched(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("out_of_range", actions=["add"], variants=["id_zero", "id_negative"])
    texts = [
        api.post("add", service=1, link=f"https://x.com/{n}", quantity=100).text for n in "abc"
    ]
    assert texts == ['{"order":0}', '{"order":-5}', '{"order":0}']
    assert api.post("add", service=1, link="https://x.com/a", quantity=100).json() == {
        "error": "You have active order with this link. Please wait until order being completed."
    }
    assert [order["id"] for order in sim.orders()] == ["1", "2", "3"]


def test_balance_out_of_range(api: Api, sim: SimulatorHandle) -> None:
    sim.set_fault("out_of_range", actions=["balance"])
    assert api.post("balance").text == '{"balance":"1e30","currency":"USD"}'
    sim.set_fault("out_of_range", variants=["balance_huge_number"])
    assert api.post("balance").text == '{"balance":1e30,"currency":"USD"}'
    assert sim.simulator.store().balance == 1000


# --- decimal_comma ---------------------------------------------------------------------------


def test_money_with_a_decimal_comma(api: Api, sim: SimulatorHandle) -> None:
    place(api, 2)
    sim.set_fault("decimal_comma")
    assert api.post("balance").text == '{"balance":"999,82000","currency":"USD"}'
    assert '"charge":"0,09000"' in api.post("status", order=1).text
    assert [e["charge"] for e in api("status", orders="1,2,7").values() if "charge" in e] == [
        "0,09000",
        "0,09000",
    ]
    services = api("services")
    assert services[0]["rate"] == "0,90"
    assert all("." not in s["rate"] for s in services)
    assert sim.orders()[0]["charge"] == "0.09000"
    entry = logged(sim, "services")[-1]
    assert (entry.outcome, entry.detail) == ("answered", "rate with a decimal comma")


def test_decimal_comma_turns_numbers_into_text(sim: SimulatorHandle) -> None:
    quirky = Api(sim, "quirky")
    sim.set_fault("decimal_comma", dialects=["quirky"])
    rates = [s["rate"] for s in quirky("services")]
    assert all(isinstance(rate, str) for rate in rates)
    assert "0,9" in rates  # service 1, a JSON number 0.9 for this dialect
    assert Api(sim)("balance")["balance"] == "1000.00000"  # the standard dialect is spared


# --- switching them on -----------------------------------------------------------------------


def test_hostile_faults_through_the_control_api(api: Api, sim: SimulatorHandle) -> None:
    place(api, 3)
    url = sim.base_url + "/_sim/faults"
    rule = {"fault": "malformed_status", "targets": "3", "variants": ["charge_huge"]}
    answer = requests.post(url, json=rule, timeout=5).json()["fault"]
    assert answer == {
        "fault": "malformed_status",
        "actions": None,
        "dialects": None,
        "count": None,
        "latency_ms": 0,
        "targets": ["3"],
        "every": None,
        "fraction": None,
        "seed": 0,
        "variants": ["charge_huge"],
    }
    got = api("status", orders="1,2,3")
    assert got["3"]["charge"] == "1000000000000.5"
    assert well_formed(got["1"])
    for bad in (
        {"fault": "malformed_status", "variants": ["id_nan"]},
        {"fault": "decimal_comma", "variants": ["null"]},
        {"fault": "malformed_status", "every": 2, "targets": ["1"]},
        {"fault": "malformed_status", "every": 0},
        {"fault": "out_of_range", "fraction": 2},
    ):
        response = requests.post(url, json=bad, timeout=5)
        assert response.status_code == 400, bad


def test_hostile_fault_from_the_command_line(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "simulator", "--port", "0", "--state-dir"]
    command += [str(tmp_path), "--fault", "out_of_range", "--fault-variant", "id_nan"]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env={**os.environ}
    )
    try:
        assert process.stdout is not None
        url = next(w for w in process.stdout.readline().split() if w.startswith("http"))
        data = {"key": KEY, "action": "add", "service": 1, "link": "https://x.com/1"}
        response = requests.post(url, data={**data, "quantity": 100}, timeout=5)
        assert response.text == '{"order":NaN}'
        orders = requests.get(url.replace("/api/v2", "/_sim/orders"), timeout=5).json()
        assert [order["id"] for order in orders["orders"]] == ["1"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
