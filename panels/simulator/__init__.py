"""A standalone SMM panel speaking API v2, for the demo, tests and benchmarks.

Standard library only, no Django: `python -m panels.simulator --port 8765`, or from Python::

    handle = start_simulator(state_dir=tmp_path)
    requests.post(handle.api_url(), data={"key": "demo-key", "action": "balance"})
    handle.advance(60)  # move the simulated clock instead of sleeping
    handle.stop()

Catalogs: `catalog="base"` (default; services 1 and 2 are the seed pages' examples), `"alt1"` or
`"alt2"` are other panels selling the same kinds of things (own ids, names, rates, limits);
`catalog_size=N` cuts or pads every catalog to exactly N services. The server catalog answers at
`/api/v2` and `/<dialect>/api/v2`; any catalog at `/<catalog>/api/v2` and
`/<dialect>/<catalog>/api/v2`. Each (dialect, catalog) pair is its own panel (balance, orders).

Catalog churn, saved with the state and seen by every dialect serving that catalog
(`catalog=None`: the server's): `handle.remove_services([3])`, `restore_services()`,
`update_service(3, rate="1.10", max=500)`, `add_service(name=..., rate=...)`,
`reprice(0.05, seed=1)`, `reset_catalog()`; over HTTP `POST /_sim/catalog` with any of
`{"catalog", "reset", "restore", "remove", "update", "add", "reprice"}` and `GET /_sim/catalog`.

Outages: `handle.go_down()` / `handle.come_back()` (connections refused, open ones cut, the same
port afterwards), `handle.outage(5)` or `POST /_sim/outage {"seconds": 5}` for a timed one.
The request log says how every request went (answered, fault page, truncated, dropped, cut),
with the link and order id of each `add`: `handle.requests("add")`, `GET /_sim/requests?action=add`.
"""

from .catalogs import CATALOG_NAMES
from .cli import main
from .dialects import DIALECTS
from .faults import FAULT_NAMES
from .runner import SimulatorHandle, start_simulator

DIALECT_NAMES: tuple[str, ...] = tuple(DIALECTS)

__all__ = [
    "CATALOG_NAMES",
    "DIALECT_NAMES",
    "FAULT_NAMES",
    "SimulatorHandle",
    "main",
    "start_simulator",
]
