"""Panels for the status-sync benchmarks: a simulator process per panel, its orders put on it
beforehand (not a benchmark itself: `make bench` skips `_*.py`).

The orders go through the simulator's own `add` handler in this process (benchmarks/_seed.py:
same checks, pricing and ids as over HTTP, saved once), then the simulator is started as a
process of its own on that state, as a real panel is a server of its own: its work never
competes with ours for this process's interpreter, and the time waited on it is its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks._fault_processes import KEY, Simulator
from benchmarks._seed import place_on_simulator

STAGE_SECONDS = 3600.0  # nothing moves on its own during a run
CATALOGS = ("base", "alt1", "alt2")


def seeded_panel(
    workdir: Path, n: int, count: int, *, latency_ms: int
) -> tuple[Simulator, Any, list[tuple[str, int, str, int]], dict[int, int]]:
    """Panel `n` with `count` orders on its simulator, answering in `latency_ms`: (the
    simulator, our Panel, the orders as (remote id, service id, link, quantity), our Service
    pk by the panel's service id). Creation times are spread over three stages, so a sync
    sees about a third pending, a third in progress and a third finished."""
    from panels.models import Service
    from panels.services import catalog_sync, panel_create
    from simulator import start_simulator

    catalog = CATALOGS[n % len(CATALOGS)]
    name = f"panel{n}"
    seeding = start_simulator(
        state_dir=workdir / f"sim-{name}",  # where Simulator(workdir, name) keeps its state
        keys=(KEY,),
        catalog=catalog,
        stage_seconds=STAGE_SECONDS,
        balance="1000000000",
    )
    try:
        usable = sorted(
            s.id
            for s in seeding.services()
            if s.type == "Default" and not s.dripfeed and s.min <= 100 and s.max >= 1000
        )
        placed = place_on_simulator(
            seeding, count, usable, key=KEY, spread_seconds=3 * STAGE_SECONDS
        )
    finally:
        seeding.stop()
    sim = Simulator(
        workdir, name, latency_ms=latency_ms, stage_seconds=STAGE_SECONDS, catalog=catalog
    )
    try:
        panel = panel_create(name=f"Panel {n}", api_url=sim.base_url + "/api/v2", api_key=KEY)
        catalog_sync(panel=panel)
    except BaseException:
        sim.stop()
        raise
    services = {
        int(remote_id): pk
        for remote_id, pk in Service.objects.filter(panel=panel).values_list("remote_id", "pk")
    }
    return sim, panel, placed, services
