"""Each dialect's characteristic behaviour, and that dialects keep separate state."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import requests

from simulator import DIALECT_NAMES, SimulatorHandle, start_simulator
from tests.simulator.helpers import KEY, STAGE, Api

from .test_simulator_actions import SEED_SERVICES

LINK = "https://instagram.com/p/abc"


def test_dialect_names() -> None:
    assert set(DIALECT_NAMES) == {
        "standard",
        "seed000",
        "seed001",
        "seed002",
        "seed003",
        "seed004",
        "quirky",
        "jsonapi",
    }


def test_seed_dialects_start_like_their_pages(sim: SimulatorHandle) -> None:
    for dialect in ("standard", "seed000", "seed002", "seed003", "seed004"):
        assert Api(sim, dialect)("services")[:2] == SEED_SERVICES


def test_seed000_and_seed003_have_no_cancel(sim: SimulatorHandle) -> None:
    for dialect in ("seed000", "seed003"):
        api = Api(sim, dialect)
        assert api.add(service=1, link=LINK, quantity=100) == {"order": 1}
        assert api("cancel", orders="1") == {"error": "Incorrect request"}
        assert api("status", order=1)["status"] == "Pending"
    for dialect in ("standard", "seed001", "seed002", "seed004"):
        api = Api(sim, dialect)
        api.add(service=1, link=LINK, quantity=100)
        assert api("cancel", orders="1") == [{"order": 1, "cancel": 1}]


def test_seed001_services_carry_description_and_refill_time(sim: SimulatorHandle) -> None:
    services = Api(sim, "seed001")("services")
    assert services[:2] == [
        {**SEED_SERVICES[0], "description": "example description", "refill_time": "30"},
        {**SEED_SERVICES[1], "description": "example description", "refill_time": "365"},
    ]
    assert all(isinstance(s["refill_time"], str) and s["description"] for s in services)


def test_seed001_add_accepts_order_style(sim: SimulatorHandle) -> None:
    api = Api(sim, "seed001")
    assert api.add(service=1, link=LINK, quantity=100, order_style="2") == {"order": 1}
    assert sim.orders("seed001")[0]["fields"]["order_style"] == "2"


def test_dialects_keep_separate_orders_and_balances(sim: SimulatorHandle, tmp_path: Path) -> None:
    standard, quirky = Api(sim, "standard"), Api(sim, "seed002")
    standard.add(service=1, link=LINK, quantity=1000)
    assert quirky("status", order=1) == {"error": "Incorrect order ID"}
    assert quirky("balance")["balance"] == "1000.00000"
    assert standard("balance")["balance"] == "999.10000"
    assert quirky.add(service=1, link=LINK, quantity=100) == {"order": 1}
    assert sorted(p.name for p in tmp_path.glob("*.json")) == [
        "seed002.json",
        "standard.json",
    ]
    saved = json.loads((tmp_path / "standard.json").read_text())
    assert Decimal(saved["balance"]) == Decimal("999.1")
    assert [order["id"] for order in saved["orders"]] == ["1"]


def test_quirky_sends_pretty_json_labelled_html(sim: SimulatorHandle) -> None:
    response = Api(sim, "quirky").post("balance")
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.text.startswith("{\n    ")
    assert response.json() == {"balance": "1000.00000000", "currency": "USD"}


def test_quirky_services_mix_types(sim: SimulatorHandle) -> None:
    services = Api(sim, "quirky")("services")
    first = services[0]
    assert (first["service"], first["rate"], first["min"], first["max"]) == (1, 0.9, 50, 10000)
    assert first["desc"] == "example description"
    assert "description" not in first
    assert services[1]["rate"] == 8
    assert any(isinstance(s["rate"], str) and isinstance(s["service"], str) for s in services)
    flags = {repr(s[name]) for s in services for name in ("refill", "cancel") if name in s}
    assert {"True", "False", "0", "1", "'0'", "'1'"} <= flags
    assert any("cancel" not in s for s in services)
    assert {s["dripfeed"] for s in services if "dripfeed" in s} == {0, 1}
    assert {"default", "mentions_with_hashtags"} <= {s["type"] for s in services}


def test_quirky_order_ids_are_ints_strings_and_opaque(sim: SimulatorHandle) -> None:
    api = Api(sim, "quirky")
    ids = [api.add(service=4, link=f"{LINK}{n}", quantity=100)["order"] for n in range(4)]
    assert ids[0] == "1"
    assert ids[1] == 2
    assert isinstance(ids[2], str)
    assert ids[2].startswith("ord_01HG7")
    assert ids[3] == "4"
    assert api("status", order=ids[2])["status"] == "pending"
    answer = api("status", orders=",".join(str(i) for i in ids))
    assert list(answer) == ["1", "2", ids[2], "4"]
    assert api("cancel", orders=ids[2]) == [{"order": ids[2], "cancel": 1}]

    sim.stop()
    again = start_simulator(port=0, state_dir=sim.simulator.state_dir)
    try:
        again_ids = [o["id"] for o in again.orders("quirky")]
        assert again_ids == ["1", "2", ids[2], "4"]
    finally:
        again.stop()


def test_quirky_statuses_and_vague_progress(sim: SimulatorHandle) -> None:
    api = Api(sim, "quirky")
    for n in range(5):
        api.add(service=1, link=f"{LINK}{n}", quantity=1000)
    first = api("status", order="1")
    assert first == {
        "charge": 0.9,
        "start_count": None,
        "status": "pending",
        "remains": "Unknown",
        "currency": "USD",
    }
    second = api("status", order="2")
    assert (second["charge"], second["start_count"], second["remains"]) == (
        "0.90000",
        None,
        "Unknown",
    )
    api("cancel", orders="4")
    sim.advance(STAGE * 1.5)
    running = api("status", order="1")
    assert running["status"] == "inprogress"
    assert isinstance(running["start_count"], int)
    assert isinstance(running["remains"], int)
    sim.advance(STAGE)
    statuses = {key: value["status"] for key, value in api("status", orders="1,4,5").items()}
    assert statuses == {"1": "Complete", "4": "Cancelled", "5": "Partially completed"}


def test_quirky_error_texts(sim: SimulatorHandle) -> None:
    api = Api(sim, "quirky")
    assert api("status", order=99) == {"error": "Incorrect Order ID"}
    assert api("fly") == {"error": "Request Invalid"}
    assert api.add(service=1, link=LINK, quantity=1) == {"error": "neworder.error.min_quantity"}
    assert api.add(service=1, link=LINK, quantity=10**6) == {"error": "neworder.error.max_quantity"}
    assert api.add(service=999, link=LINK, quantity=100) == {
        "error": "neworder.error.incorrect_service_id"
    }
    sim.set_balance("0", dialect="quirky")
    assert api.add(service=1, link=LINK, quantity=100) == {
        "error": "neworder.error.not_enough_funds"
    }
    assert api("balance")["balance"] == "0.00000000"


def test_jsonapi_takes_a_json_body_with_api_token(sim: SimulatorHandle) -> None:
    url = sim.api_url("jsonapi")
    body = {"api_token": KEY, "action": "add", "service": 1, "link": LINK, "quantity": 100}
    assert requests.post(url, json=body, timeout=5).json() == {"order": 1}
    status = requests.post(url, json={"api_token": KEY, "action": "status", "order": 1}, timeout=5)
    assert status.json()["status"] == "Pending"


def test_jsonapi_refuses_forms_and_the_key_field(sim: SimulatorHandle) -> None:
    url = sim.api_url("jsonapi")
    invalid = {"error": "Invalid API key"}
    form = {"api_token": KEY, "action": "balance"}
    assert requests.post(url, data=form, timeout=5).json() == invalid
    assert requests.get(url, params=form, timeout=5).json() == invalid
    assert requests.post(url, json={"key": KEY, "action": "balance"}, timeout=5).json() == invalid


def test_default_dialect_serves_api_v2(tmp_path: Path) -> None:
    handle = start_simulator(port=0, state_dir=tmp_path, dialect="seed000")
    try:
        api = Api(handle)
        assert api.url == handle.base_url + "/api/v2"
        assert api("cancel", orders="1") == {"error": "Incorrect request"}
        assert api.add(service=1, link=LINK, quantity=100) == {"order": 1}
        assert handle.stats("seed000")["requests"] == {"add": 1, "cancel": 1}
        assert (tmp_path / "seed000.json").exists()
    finally:
        handle.stop()
