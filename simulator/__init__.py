"""A standalone SMM panel speaking API v2, for the demo, tests and benchmarks.

Standard library only, no Django: `python -m simulator --port 8765`, or from Python::

    handle = start_simulator(state_dir=tmp_path)
    requests.post(handle.api_url(), data={"key": "demo-key", "action": "balance"})
    handle.advance(60)  # move the simulated clock instead of sleeping
    handle.stop()

Simulated time is real time plus what `advance` added; `frozen_clock=True` leaves out real time,
so a test's delivered counts and refunds follow `advance` alone, whatever the machine's load.

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
The most requests of one action answered at the same time, per API key (a client's limit on
concurrent sends shows here): `handle.most_in_flight("add")`, `GET /_sim/in_flight?action=add`.

Faults: `handle.set_fault(name, actions=..., dialects=..., count=..., **options)`, the same
fields in `POST /_sim/faults`, or `--fault` (and `--trickle-*`, `--fault-*`) on the command line.
`FAULT_NAMES` are the transport faults (see faults.py); `HOSTILE_FAULT_NAMES` run the action,
so the ledger stays true, and spoil only the answer (the log's `detail` says how):

- `trickle`: the answer a byte every `trickle_interval` seconds (default 10; `trickle_chunk`
  bytes at a time; `trickle_headers=True` trickles the status line and headers too). Logged
  `trickled`, or `cut` with "the client hung up".
- `malformed_status`: `status` entries broken one way each, `variants` among no_status, string,
  null, remains_huge ("1e30"), charge_huge ("1000000000000.5"), remains_negative,
  charge_negative, start_count_negative. Targets: `targets=["2", "5"]` (order ids),
  `every=N` (sequence numbers N, 2N...), or `fraction=0.3, seed=1`; default every 2nd order.
- `out_of_range`: services (rate_inf = bare 1e309, rate_huge, min_huge = 2**63,
  max_huge = 2**64, refill_time_huge; default the first services, one per variant; targets are
  service ids), add (the order is placed, its id answered as id_inf 1e309, id_long (300
  characters), id_nan NaN, id_zero, id_negative -5 or id_fraction 12.5), balance
  (balance_huge "1e30", balance_huge_number 1e30). Logged `hostile`.
- `decimal_comma`: rate, charge and balance as "0,27".

`BILLING_FAULT_NAMES` answer well but bill wrong (see billing.py), on `add` only; the ledger
itself is off, as on the real panels they copy. `order_types=[...]` (the panel's type names)
chooses which orders:

- `billing_charge`: list lines split on a literal backslash-n, so Custom Comments sent one per
  line are billed (and debited) as one; the reported charge is the wrong one.
- `billing_debit`: a drip-feed order takes its units (runs × quantity) from the balance as
  currency units instead of its charge; the reported charge is right.
"""

from .catalogs import CATALOG_NAMES
from .cli import main
from .dialects import DIALECTS
from .faults import ALL_FAULT_NAMES, BILLING_FAULT_NAMES, FAULT_NAMES, HOSTILE_FAULT_NAMES
from .runner import SimulatorHandle, start_simulator

DIALECT_NAMES: tuple[str, ...] = tuple(DIALECTS)

__all__ = [
    "ALL_FAULT_NAMES",
    "BILLING_FAULT_NAMES",
    "CATALOG_NAMES",
    "DIALECT_NAMES",
    "FAULT_NAMES",
    "HOSTILE_FAULT_NAMES",
    "SimulatorHandle",
    "main",
    "start_simulator",
]
