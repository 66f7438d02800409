"""Catalog variants (other panels selling the same things) and padded catalogs for benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from simulator import CATALOG_NAMES, DIALECT_NAMES, SimulatorHandle, start_simulator
from simulator.catalog import SERVICES, TYPE_RULES
from simulator.cli import build_parser
from tests.simulator.helpers import KEY, STAGE

from .test_simulator_orders import VALID_ADDS

VARIANTS = ("alt1", "alt2")
# The same kind of service on the three panels: (base, alt1, alt2) ids.
SAME_THING = [
    (3, 1001, 501),  # Instagram followers with refill
    (5, 1003, 505),  # Instagram likes
    (19, 1018, 530),  # TikTok views
    (21, 1020, 532),  # TikTok likes
    (24, 1024, 540),  # YouTube views
    (31, 1032, 550),  # Telegram members
    (36, 1037, 560),  # X followers
    (44, 1040, 570),  # Spotify plays
]


def call(url: str, action: str, **fields: Any) -> Any:
    response = requests.post(url, data={"key": KEY, "action": action, **fields}, timeout=5)
    assert response.status_code == 200
    return response.json()


def listed(url: str) -> dict[int, dict[str, Any]]:
    return {int(service["service"]): service for service in call(url, "services")}


def valid_add(service: dict[str, Any]) -> dict[str, Any]:
    """Fields for a valid `add` on `service`, sized to its minimum."""
    rule = TYPE_RULES[service["type"]]
    _, fields = VALID_ADDS[service["type"]]
    low = int(service["min"])
    fields = {**fields, "service": service["service"]}
    if "quantity" in fields:
        fields["quantity"] = low
    if rule.counted is not None and not rule.flat:
        fields[rule.counted] = "\n".join(f"line {n}" for n in range(low))
    if service["type"] == "Subscriptions":
        fields.update(min=low, max=low)
    return fields


@pytest.fixture
def alt1(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path, stage_seconds=STAGE, catalog="alt1")
    yield handle
    handle.stop()


def test_dialect_and_catalog_names_do_not_clash() -> None:
    assert CATALOG_NAMES == ("base", "alt1", "alt2")
    assert not set(CATALOG_NAMES) & set(DIALECT_NAMES)


@pytest.mark.parametrize("variant", CATALOG_NAMES)
def test_every_variant_takes_an_order_of_every_type(sim: SimulatorHandle, variant: str) -> None:
    url = sim.api_url(catalog=variant)
    services = listed(url)
    assert {service["type"] for service in services.values()} == set(TYPE_RULES)
    assert {service["refill"] for service in services.values()} == {True, False}
    assert {service["cancel"] for service in services.values()} == {True, False}
    for type_name in TYPE_RULES:
        service = next(s for s in services.values() if s["type"] == type_name)
        answer = call(url, "add", **valid_add(service))
        assert "order" in answer, (type_name, service, answer)


def test_variants_differ_from_base_in_ids_names_categories_and_rates(sim: SimulatorHandle) -> None:
    base, alt1, alt2 = (listed(sim.api_url(catalog=name)) for name in CATALOG_NAMES)
    assert list(base) == [service.id for service in SERVICES]
    assert min(alt1) == 1001
    assert all(500 <= sid < 600 for sid in alt2)
    assert not set(base) & set(alt1)
    assert not set(base) & set(alt2)
    assert not set(alt1) & set(alt2)
    for variant in (alt1, alt2):
        assert len(variant) >= 40
        for field in ("name", "category"):
            values = {service[field] for service in variant.values()}
            assert not values & {service[field] for service in base.values()}
        assert "Followers" not in {service["name"] for service in variant.values()}
    for column, variant in ((1, alt1), (2, alt2)):
        rates = [
            (Decimal(base[row[0]]["rate"]), Decimal(variant[row[column]]["rate"]))
            for row in SAME_THING
        ]
        assert any(other < own for own, other in rates), "some services must be cheaper"
        assert any(other > own for own, other in rates), "some services must be dearer"
        limits = [(base[row[0]]["min"], variant[row[column]]["min"]) for row in SAME_THING]
        assert any(own != other for own, other in limits)


def test_variants_read_like_real_panels_with_near_misses(sim: SimulatorHandle) -> None:
    alt1 = {s["name"] for s in listed(sim.api_url(catalog="alt1")).values()}
    alt2 = {s["name"] for s in listed(sim.api_url(catalog="alt2")).values()}
    assert {"IG Followers - HQ [Refill 30D] ⚡", "TikTok Video Views [Cheapest]"} <= alt1
    assert "📸 Instagram Followers | Real Looking | 30 Days Refill" in alt2
    assert "📸 Instagram - Followers [Max 50K] [Start 0-1h]" in alt2
    assert any(name.startswith("YT Views - Non Drop") for name in alt1)
    for names in (alt1, alt2):
        joined = "\n".join(names)
        for near_miss in ("Story Views", "TikTok Comment Likes", "Live Stream Views"):
            assert near_miss in joined
    only_alt1 = {"Threads Followers - Real ⚡", "Twitch Followers - Channel"}
    only_alt2 = {"🎮 Discord Server Members | Offline", "▶️ YouTube Watch Hours | 4000 Hours"}
    assert only_alt1 <= alt1
    assert only_alt2 <= alt2


def test_server_catalog_is_the_default_of_every_dialect(alt1: SimulatorHandle) -> None:
    assert min(listed(alt1.api_url())) == 1001
    assert min(listed(alt1.api_url("quirky"))) == 1001  # /<dialect>/api/v2 keeps it
    assert min(listed(alt1.api_url("quirky", "base"))) == 1
    assert alt1.api_url("quirky", "alt2").endswith("/quirky/alt2/api/v2")
    assert min(listed(alt1.base_url + "/alt2/quirky/api/v2")) == 501
    assert call(alt1.api_url(), "add", service=1, link="https://x.com/a", quantity=100) == {
        "error": "Incorrect service ID"
    }
    for path in ("/nope/api/v2", "/alt1/alt2/api/v2", "/quirky/quirky/api/v2", "/alt1/x/api/v2"):
        assert requests.post(alt1.base_url + path, data={}, timeout=5).status_code == 404


def test_each_catalog_is_a_panel_with_its_own_orders_and_balance(
    sim: SimulatorHandle, tmp_path: Path
) -> None:
    link = "https://instagram.com/p/abc"
    assert call(sim.api_url(), "add", service=3, link=link, quantity=1000) == {"order": 1}
    assert call(sim.api_url(catalog="alt1"), "add", service=1001, link=link, quantity=1000) == {
        "order": 1
    }
    assert call(sim.api_url(), "balance")["balance"] == "998.80000"
    assert call(sim.api_url(catalog="alt1"), "balance")["balance"] == "999.02000"
    assert call(sim.api_url(catalog="alt2"), "balance")["balance"] == "1000.00000"
    assert sim.orders(catalog="alt1")[0]["service"] == 1001
    assert (tmp_path / "standard.json").exists()
    assert (tmp_path / "standard.alt1.json").exists()
    sim.set_balance("5", catalog="alt2")
    assert call(sim.api_url(catalog="alt2"), "balance")["balance"] == "5.00000"
    sim.reset(state=True, catalog="alt1")
    assert sim.orders(catalog="alt1") == []
    assert len(sim.orders()) == 1


def test_unknown_catalog_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown catalog"):
        start_simulator(state_dir=tmp_path, catalog="alt9")
    with pytest.raises(ValueError, match="negative"):
        start_simulator(state_dir=tmp_path, catalog_size=-1)


@pytest.mark.parametrize("size", [1, 10, 46, 47, 500])
def test_catalog_size_gives_exactly_n_unique_services(tmp_path: Path, size: int) -> None:
    with start_simulator(state_dir=tmp_path, catalog_size=size) as handle:
        for variant in CATALOG_NAMES:
            services = call(handle.api_url(catalog=variant), "services")
            assert len(services) == size
            assert len({service["service"] for service in services}) == size
            assert len({service["name"] for service in services}) == size
        assert listed(handle.api_url())[1]["name"] == "Followers"


def test_padded_services_look_real_and_take_orders(tmp_path: Path) -> None:
    with start_simulator(state_dir=tmp_path, catalog_size=400, catalog="alt2") as handle:
        services = list(listed(handle.api_url()).values())
        filler = services[45:]
        assert len({s["category"] for s in filler}) > 50
        assert len({s["rate"] for s in filler}) > 200
        assert {s["refill"] for s in filler} == {s["cancel"] for s in filler} == {True, False}
        assert len({(s["min"], s["max"]) for s in filler}) > 20
        assert {s["type"] for s in services} == set(TYPE_RULES)
        for service in filler[:40]:
            assert "order" in call(handle.api_url(), "add", **valid_add(service))


def test_catalog_size_is_deterministic(tmp_path: Path) -> None:
    answers = []
    for run in range(2):
        with start_simulator(state_dir=tmp_path / str(run), catalog_size=300) as handle:
            answers.append(call(handle.api_url(catalog="alt1"), "services"))
    assert answers[0] == answers[1]


def test_a_5000_service_catalog_is_served_whole(tmp_path: Path) -> None:
    # How fast it builds is measured in benchmarks/catalog_sync.py, not asserted here.
    with start_simulator(state_dir=tmp_path, catalog_size=5000) as handle:
        services = call(handle.api_url(), "services")
    assert len(services) == 5000
    assert len({s["service"] for s in services}) == 5000


def test_command_line_takes_catalog_options() -> None:
    options = vars(build_parser().parse_args(["--catalog", "alt2", "--catalog-size", "80"]))
    assert (options["catalog"], options["catalog_size"]) == ("alt2", 80)
    defaults = vars(build_parser().parse_args([]))
    assert (defaults["catalog"], defaults["catalog_size"]) == ("base", None)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--catalog", "alt9"])
