"""Catalog sync against the simulator over real HTTP: every dialect, churn, and every fault."""

from __future__ import annotations

from decimal import Decimal

import pytest

from panels.api.errors import PanelError
from panels.models import CatalogEvent, Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import DIALECT_NAMES, FAULT_NAMES, start_simulator

Kind = CatalogEvent.Kind
KEY = "sync-key"


@pytest.fixture
def sim(tmp_path):
    handle = start_simulator(state_dir=tmp_path / "sim", keys=(KEY,))
    yield handle
    handle.stop()


def connect(sim, dialect: str = "standard", **options) -> Panel:
    if dialect == "jsonapi":
        options.update(body_format="json", key_field="api_token")
    return panel_create(
        name=f"Sim {dialect}",
        api_url=sim.api_url(dialect),
        api_key=KEY,
        timeout_seconds=2,
        **options,
    )


def stored(panel: Panel) -> list[tuple[str, Decimal, bool, int, int]]:
    return list(
        Service.objects.filter(panel=panel)
        .order_by("remote_id")
        .values_list("remote_id", "rate", "is_active", "min_quantity", "max_quantity")
    )


def events() -> list[tuple[str, str]]:
    return sorted(CatalogEvent.objects.values_list("kind", "service__remote_id"))


@pytest.mark.django_db
@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_every_dialect_syncs_the_whole_catalog_and_tracks_churn(sim, dialect, settings):
    settings.PANEL_HTTP_RETRIES = 0
    panel = connect(sim, dialect)
    remote = {str(s.id): s for s in sim.services()}

    first = catalog_sync(panel=panel)

    assert first.created == len(remote)
    assert first.skipped == 0
    for remote_id, rate, active, low, high in stored(panel):
        assert active
        assert rate == Decimal(str(remote[remote_id].rate))
        assert (low, high) == (remote[remote_id].min, remote[remote_id].max)
    assert catalog_sync(panel=panel).events == 0  # nothing changed, nothing recorded

    sim.remove_services([3, 4])
    sim.update_service(1, rate="1.25")
    sim.update_service(5, max=123456)
    new = sim.add_service(name="Instagram Reel Saves", rate="0.40", min=10, max=5000)
    result = catalog_sync(panel=panel)

    assert events() == sorted(
        [
            (Kind.REMOVED, "3"),
            (Kind.REMOVED, "4"),
            (Kind.RATE_CHANGED, "1"),
            (Kind.LIMITS_CHANGED, "5"),
            (Kind.ADDED, str(new.id)),
        ]
    )
    assert (result.deactivated, result.created) == (2, 1)
    assert Service.objects.get(panel=panel, remote_id="1").rate == Decimal("1.25")

    CatalogEvent.objects.all().delete()
    sim.restore_services([3, 4])
    assert catalog_sync(panel=panel).reactivated == 2
    assert events() == [(Kind.REACTIVATED, "3"), (Kind.REACTIVATED, "4")]


@pytest.mark.django_db
@pytest.mark.parametrize("fault", sorted(FAULT_NAMES))
def test_a_fault_leaves_the_catalog_consistent(sim, fault, settings):
    settings.PANEL_HTTP_RETRIES = 0
    panel = connect(sim)
    catalog_sync(panel=panel)
    sim.update_service(1, rate="9.99")  # a change the faulty sync must not half-apply
    before = stored(panel)

    # latency within the timeout is just slowness; above it, a timeout.
    sim.set_fault(fault, actions=["services"], latency_ms=2500 if fault == "latency" else 0)
    with pytest.raises(PanelError):
        catalog_sync(panel=panel)

    assert stored(panel) == before
    assert not CatalogEvent.objects.exists()
    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING
    sim.clear_faults()
    assert catalog_sync(panel=panel).events == 1  # and the next good sync catches up
