"""Catalog churn: services removed, restored, changed, added and repriced at run time."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator import SimulatorHandle, start_simulator
from tests.simulator.helpers import STAGE, Api

LINK = "https://instagram.com/p/abc"


def control(sim: SimulatorHandle, route: str, body: object = None) -> requests.Response:
    url = f"{sim.base_url}/_sim/{route}"
    if body is None:
        return requests.get(url, timeout=5)
    return requests.post(url, json=body, timeout=5)


def services(api: Api) -> dict[int, dict[str, Any]]:
    return {int(s["service"]): s for s in api("services")}


def restarted(sim: SimulatorHandle, **options: Any) -> SimulatorHandle:
    sim.stop()
    return start_simulator(state_dir=sim.simulator.state_dir, stage_seconds=STAGE, **options)


def test_removed_services_vanish_but_their_orders_keep_working(
    api: Api, sim: SimulatorHandle
) -> None:
    api.add(service=3, link=LINK, quantity=1000)
    api.add(service=24, link="https://youtube.com/watch?v=1", quantity=1000)
    assert sim.remove_services([3, 24]) == [3, 24]
    for dialect in ("standard", "quirky"):
        assert not {3, 24} & set(services(Api(sim, dialect)))
    assert len(api("services")) == 44
    assert api.add(service=3, link=LINK + "2", quantity=1000) == {"error": "Incorrect service ID"}
    assert api("status", order=1)["status"] == "Pending"
    assert api("cancel", orders="1") == [{"order": 1, "cancel": 1}]
    sim.advance(2 * STAGE + 1)
    assert api("refill", order=2) == {"refill": "1"}  # service 24 still refills

    again = restarted(sim)
    try:
        api = Api(again)
        assert 3 not in services(api)
        assert again.restore_services([3]) == [3]
        assert services(api)[3]["name"] == "Instagram Followers [Real] [Refill 30D]"
        assert 24 not in services(api)
        again.restore_services()
        assert len(api("services")) == 46
    finally:
        again.stop()


def test_changed_services_show_and_apply_and_survive_a_restart(
    api: Api, sim: SimulatorHandle
) -> None:
    changed = sim.update_service(
        4, rate="0.50", min=200, max=300, refill=True, cancel=False, name="IG Followers v2"
    )
    assert (changed.rate, changed.min, changed.refill, changed.refill_time) == (
        "0.50",
        200,
        True,
        "30",
    )
    expected = {
        "service": 4,
        "name": "IG Followers v2",
        "type": "Default",
        "category": "Instagram Followers",
        "rate": "0.50",
        "min": "200",
        "max": "300",
        "refill": True,
        "cancel": False,
        "dripfeed": False,
    }
    assert services(api)[4] == expected
    assert api.add(service=4, link=LINK, quantity=100) == {
        "error": "Quantity less than minimal 200"
    }
    assert api.add(service=4, link=LINK, quantity=301) == {
        "error": "Quantity more than maximum 300"
    }
    assert api.add(service=4, link=LINK, quantity=200) == {"order": 1}
    assert api("status", order=1)["charge"] == "0.10000"
    assert api("cancel", orders="1")[0]["cancel"] == {
        "error": "Cancel is disabled for this service"
    }

    again = restarted(sim)
    try:
        assert services(Api(again))[4] == expected
        assert services(Api(again, "quirky"))[4]["name"] == "IG Followers v2"
    finally:
        again.stop()


def test_added_services_are_listed_last_and_take_orders(api: Api, sim: SimulatorHandle) -> None:
    new = sim.add_service(name="Kick Followers [Real]", rate="2.5", min=10, max=500, cancel=True)
    assert new.id == 47
    assert api("services")[-1]["name"] == "Kick Followers [Real]"
    package = sim.add_service(
        id=900, name="Kick Package", type="Package", rate="9", category="Kick"
    )
    assert (package.min, package.max) == (1, 1)
    assert api.add(service=47, link="https://kick.com/a", quantity=100) == {"order": 1}
    assert api("status", order=1)["charge"] == "0.25000"
    with pytest.raises(ValueError, match="taken"):
        sim.add_service(id=3, name="Dup", rate="1")
    with pytest.raises(ValueError, match="type"):
        sim.add_service(name="Odd", rate="1", type="Teleport")

    again = restarted(sim)
    try:
        assert [s["service"] for s in Api(again)("services")[-2:]] == [47, 900]
        assert again.add_service(name="Next", rate="1").id == 901
    finally:
        again.stop()


def test_control_api_changes_the_catalog(api: Api, sim: SimulatorHandle) -> None:
    body = {
        "remove": [5, 6],
        "update": [{"id": 7, "rate": "10.00", "max": 900}, {"id": 1, "name": "Followers HQ"}],
        "add": {"name": "Threads Likes", "rate": "0.8", "min": 10, "max": 1000},
        "reprice": {"fraction": 0.1, "factor": "1.5", "seed": 3},
    }
    answer = control(sim, "catalog", body)
    assert answer.status_code == 200
    done = answer.json()["done"]
    assert (done["removed"], done["updated"], done["added"]) == ([5, 6], [7, 1], [47])
    assert len(done["repriced"]) == round(0.1 * 45)
    listed = services(api)
    assert 5 not in listed
    assert listed[47]["name"] == "Threads Likes"
    assert listed[1]["name"] == "Followers HQ"
    assert listed[7]["max"] == "900"
    summary = control(sim, "catalog").json()
    assert summary["catalog"] == "base"
    assert summary["services"] == 45
    assert summary["removed"] == [5, 6]
    assert summary["added"] == [47]
    assert {1, 7} <= set(summary["changed"])

    assert control(sim, "catalog", {"restore": "all"}).json()["done"]["restored"] == [5, 6]
    assert control(sim, "catalog", {"reset": True}).json()["services"] == 46
    assert services(api)[1]["name"] == "Followers"


@pytest.mark.parametrize(
    "body",
    [
        {"remove": [3, 9999]},
        {"update": [{"id": 3, "min": 10**9}]},
        {"update": [{"id": 3, "type": "Poll"}]},
        {"update": [{"id": 3, "rate": "cheap"}]},
        {"update": [{"rate": "1"}]},
        {"add": {"name": "No rate"}},
        {"reprice": {"fraction": 2}},
        {"reprice": {"factor": 1}},
        {"catalog": "alt9", "remove": [3]},
    ],
)
def test_control_api_refuses_bad_changes_and_changes_nothing(
    api: Api, sim: SimulatorHandle, body: dict[str, Any]
) -> None:
    before = api("services")
    answer = control(sim, "catalog", {"remove": [1], **body})
    assert answer.status_code == 400, answer.text
    assert api("services") == before


def test_changes_are_per_catalog_and_reset_with_the_state(sim: SimulatorHandle) -> None:
    sim.remove_services([1001], catalog="alt1")
    sim.update_service(3, rate="9.99")
    assert services(Api(sim))[3]["rate"] == "9.99"
    alt1 = Api(sim)
    alt1.url = sim.api_url("quirky", "alt1")
    assert 1001 not in services(alt1)
    assert 1002 in services(alt1)
    with pytest.raises(KeyError):
        sim.remove_services([3], catalog="alt1")
    sim.reset(state=True)
    assert 1001 in services(alt1)
    assert services(Api(sim))[3]["rate"] == "1.20000"


@pytest.mark.parametrize(
    ("size", "fraction"), [(None, 0.05), (5000, 0.05), (300, 0.5), (None, 0.0)]
)
def test_reprice_changes_exactly_that_fraction_of_rates(
    tmp_path: Path, size: int | None, fraction: float
) -> None:
    with start_simulator(state_dir=tmp_path, catalog_size=size) as handle:
        api = Api(handle)
        before = services(api)
        changed = handle.reprice(fraction, seed=7)
        after = services(api)
        moved = sorted(sid for sid in before if before[sid]["rate"] != after[sid]["rate"])
        assert moved == changed
        assert len(moved) == round(fraction * len(before))
        assert all(Decimal(after[sid]["rate"]) > 0 for sid in moved)
        assert {k: v for k, v in after.items() if k not in moved} == {
            k: v for k, v in before.items() if k not in moved
        }


def test_reprice_is_deterministic_and_survives_a_restart(tmp_path: Path) -> None:
    picks = []
    for run in ("a", "b"):
        with start_simulator(state_dir=tmp_path / run, catalog_size=1000) as handle:
            picks.append(handle.reprice(0.05, seed=42))
    assert picks[0] == picks[1]
    assert len(picks[0]) == 50

    sim = start_simulator(state_dir=tmp_path / "c", stage_seconds=STAGE, catalog_size=1000)
    before = services(Api(sim))
    other = sim.reprice(0.05, seed=43, factor="1.10")
    assert other != picks[0]
    assert len(other) == 50
    repriced = services(Api(sim))
    assert all(Decimal(repriced[sid]["rate"]) > Decimal(before[sid]["rate"]) for sid in other)
    again = restarted(sim, catalog_size=1000)
    try:
        assert services(Api(again)) == repriced
    finally:
        again.stop()
