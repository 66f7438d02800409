"""Every action's answer shape and every error text, in the `standard` dialect."""

from __future__ import annotations

import json

import requests

from simulator import SimulatorHandle
from simulator.catalog import SERVICES, TYPE_RULES
from tests.simulator.helpers import KEY, STAGE, Api

SEED_SERVICES = [
    {
        "service": 1,
        "name": "Followers",
        "type": "Default",
        "category": "First Category",
        "rate": "0.90",
        "min": "50",
        "max": "10000",
        "refill": True,
        "cancel": True,
    },
    {
        "service": 2,
        "name": "Comments",
        "type": "Custom Comments",
        "category": "Second Category",
        "rate": "8",
        "min": "10",
        "max": "1500",
        "refill": False,
        "cancel": True,
    },
]
STATUS_KEYS = {"charge", "start_count", "status", "remains", "currency"}
LINK = "https://instagram.com/p/abc"


def finish(sim: SimulatorHandle) -> None:
    sim.advance(2 * STAGE + 1)


def test_it_rejects_bad_api_key(sim: SimulatorHandle) -> None:
    for data in ({"key": "wrong", "action": "balance"}, {"action": "balance"}):
        response = requests.post(sim.api_url(), data=data, timeout=5)
        assert response.status_code == 200
        assert response.json() == {"error": "Invalid API key"}


def test_it_rejects_unknown_and_missing_action(api: Api) -> None:
    assert api("fly") == {"error": "Incorrect request"}
    assert api("") == {"error": "Incorrect request"}


def test_services_start_like_the_seed_pages(api: Api) -> None:
    services = api("services")
    assert services[:2] == SEED_SERVICES


def test_services_cover_every_order_type_with_realistic_values(api: Api) -> None:
    services = api("services")
    assert len(services) >= 40
    assert {service["type"] for service in services} == set(TYPE_RULES)
    assert all(isinstance(service["service"], int) for service in services)
    assert all(isinstance(service[name], str) for service in services for name in ("rate", "min"))
    assert {"0.90", "8", "0.0125", "1.20000"} <= {service["rate"] for service in services}
    assert {True, False} == {service["dripfeed"] for service in services[2:]}
    assert {True, False} == {service["refill"] for service in services}
    assert {True, False} == {service["cancel"] for service in services}
    assert len({service["category"] for service in services}) >= 15


def test_catalog_is_deterministic(api: Api, sim: SimulatorHandle) -> None:
    first = api("services")
    sim.reset(state=True)
    assert api("services") == first
    assert [service["service"] for service in first] == [service.id for service in SERVICES]


def test_add_answers_an_integer_order_id(api: Api) -> None:
    assert api.add(service=1, link=LINK, quantity=100) == {"order": 1}
    assert api.add(service=1, link=LINK + "2", quantity=100) == {"order": 2}


def test_status_of_one_order(api: Api) -> None:
    api.add(service=1, link=LINK, quantity=100)
    answer = api("status", order=1)
    assert answer == {
        "charge": "0.09000",
        "start_count": "0",
        "status": "Pending",
        "remains": "100",
        "currency": "USD",
    }


def test_status_of_many_orders_is_keyed_by_id(api: Api) -> None:
    api.add(service=1, link=LINK, quantity=100)
    api.add(service=1, link=LINK + "2", quantity=200)
    answer = api("status", orders="1, 2,10")
    assert list(answer) == ["1", "2", "10"]
    assert set(answer["1"]) == STATUS_KEYS
    assert answer["2"]["charge"] == "0.18000"
    assert answer["10"] == {"error": "Incorrect order ID"}


def test_status_of_unknown_order(api: Api) -> None:
    assert api("status", order=99) == {"error": "Incorrect order ID"}
    assert api("status", order="abc") == {"error": "Incorrect order ID"}


def test_balance_shape_and_charge(api: Api) -> None:
    assert api("balance") == {"balance": "1000.00000", "currency": "USD"}
    api.add(service=19, link="https://tiktok.com/@a/video/1", quantity=1000)
    assert api("balance") == {"balance": "999.98750", "currency": "USD"}


def test_refill_one_order_answers_a_string_id(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100)
    finish(sim)
    assert api("refill", order=1) == {"refill": "1"}


def test_refill_many_orders_answers_a_list(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100)
    api.add(service=1, link=LINK + "2", quantity=100)
    finish(sim)
    assert api("refill", orders="1,2,3") == [
        {"order": 1, "refill": 1},
        {"order": 2, "refill": 2},
        {"order": 3, "refill": {"error": "Incorrect order ID"}},
    ]


def test_refill_status_one_and_many(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100)
    finish(sim)
    api("refill", order=1)
    assert api("refill_status", refill=1) == {"status": "Pending"}
    assert api("refill_status", refills="1,3") == [
        {"refill": 1, "status": "Pending"},
        {"refill": 3, "status": {"error": "Refill not found"}},
    ]
    assert api("refill_status", refill=3) == {"error": "Refill not found"}


def test_cancel_answers_a_list(api: Api) -> None:
    api.add(service=1, link=LINK, quantity=100)
    assert api("cancel", orders="9,1") == [
        {"order": 9, "cancel": {"error": "Incorrect order ID"}},
        {"order": 1, "cancel": 1},
    ]


def test_more_than_100_ids_are_rejected(api: Api) -> None:
    ids = ",".join(str(n) for n in range(1, 102))
    for action, field in (
        ("status", "orders"),
        ("refill", "orders"),
        ("refill_status", "refills"),
        ("cancel", "orders"),
    ):
        assert api(action, **{field: ids}) == {"error": "Too many IDs (maximum 100)"}
    hundred = ",".join(str(n) for n in range(1, 101))
    assert len(api("status", orders=hundred)) == 100


def test_empty_id_list_is_an_incorrect_request(api: Api) -> None:
    assert api("cancel") == {"error": "Incorrect request"}
    assert api("cancel", orders=" , ") == {"error": "Incorrect request"}


def test_add_error_messages(api: Api, sim: SimulatorHandle) -> None:
    assert api.add(service=999, link=LINK, quantity=100) == {"error": "Incorrect service ID"}
    assert api.add(link=LINK, quantity=100) == {"error": "Incorrect service ID"}
    assert api.add(service=1, quantity=100) == {"error": "Incorrect request"}
    assert api.add(service=1, link=LINK) == {"error": "Incorrect request"}
    assert api.add(service=1, link=LINK, quantity="ten") == {"error": "Incorrect request"}
    assert api.add(service=1, link="instagram.com/p/abc", quantity=100) == {
        "error": "neworder.error.link"
    }
    assert api.add(service=1, link="ftp://instagram.com/p", quantity=100) == {
        "error": "neworder.error.link"
    }
    assert api.add(service=1, link=LINK, quantity=49) == {"error": "Quantity less than minimal 50"}
    assert api.add(service=1, link=LINK, quantity=10001) == {
        "error": "Quantity more than maximum 10000"
    }
    assert api.add(service=1, link=LINK, quantity=100) == {"order": 1}
    assert api.add(service=1, link=LINK, quantity=100) == {
        "error": "You have active order with this link. Please wait until order being completed."
    }
    sim.set_balance("0.05")
    assert api.add(service=1, link=LINK + "2", quantity=100) == {
        "error": "Not enough funds on balance"
    }
    assert api("balance")["balance"] == "0.05000"


def test_it_accepts_a_json_body(sim: SimulatorHandle) -> None:
    body = {"key": KEY, "action": "add", "service": 2, "link": LINK, "comments": ["a"] * 10}
    assert requests.post(sim.api_url(), json=body, timeout=5).json() == {"order": 1}
    status = {"key": KEY, "action": "status", "orders": [1, 2]}
    answer = requests.post(sim.api_url(), json=status, timeout=5).json()
    assert answer["1"]["charge"] == "0.08000"
    assert answer["2"] == {"error": "Incorrect order ID"}


def test_it_accepts_a_get_query_string(sim: SimulatorHandle) -> None:
    params = {"key": KEY, "action": "balance"}
    answer = requests.get(sim.api_url(), params=params, timeout=5).json()
    assert answer == {"balance": "1000.00000", "currency": "USD"}


def test_unknown_paths_are_not_found(sim: SimulatorHandle) -> None:
    data = {"key": KEY, "action": "balance"}
    assert requests.post(sim.base_url + "/api/v1", data=data, timeout=5).status_code == 404
    assert requests.post(sim.base_url + "/nope/api/v2", data=data, timeout=5).status_code == 404
    assert requests.post(sim.base_url + "/api/v2/", data=data, timeout=5).status_code == 200


def test_answers_are_compact_json(api: Api) -> None:
    response = api.post("balance")
    assert response.headers["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"balance": "1000.00000", "currency": "USD"}
