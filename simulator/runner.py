"""Run the simulator's real HTTP server in a background thread, and steer it from Python."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from .catalog import Service
from .catalogs import DEFAULT_CATALOG, check_name
from .core import Simulator
from .faults import make_rule
from .http_server import SimulatorServer
from .live import Catalog
from .requests_log import LoggedRequest
from .server import API_PATH, Handler


class SimulatorHandle:
    """A running simulator. Control calls act directly on it (no HTTP round trip)."""

    def __init__(
        self, simulator: Simulator, server: SimulatorServer, thread: threading.Thread
    ) -> None:
        self.simulator = simulator
        self.server = server
        self._thread = thread
        self._stopped = False
        host, port = server.server_address[:2]
        host = str(host)
        # A wildcard bind is reachable on loopback; clients cannot connect to 0.0.0.0 itself.
        self.host = "127.0.0.1" if host in ("", "0.0.0.0") else host  # noqa: S104
        self.port = int(port)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def api_url(self, dialect: str | None = None, catalog: str | None = None) -> str:
        """`/api/v2`, or `/<dialect>/api/v2`, `/<catalog>/api/v2`, `/<dialect>/<catalog>/api/v2`.

        Each (dialect, catalog) pair is a panel of its own: its own balance and orders.
        """
        path = ""
        if dialect is not None:
            path += "/" + self.simulator.dialect(dialect).name
        if catalog is not None:
            path += "/" + check_name(catalog)
        return self.base_url + path + API_PATH

    def stats(self, dialect: str | None = None) -> dict[str, Any]:
        if dialect is not None:
            dialect = self.simulator.dialect(dialect).name
        return self.simulator.stats.snapshot(dialect)

    def set_fault(
        self,
        fault: str | None,
        *,
        actions: Iterable[str] | None = None,
        dialects: Iterable[str] | None = None,
        count: int | None = None,
        latency_ms: int = 0,
        **options: Any,
    ) -> None:
        """One fault rule from now on (replacing any other); `fault=None` with `latency_ms`
        only slows answers down.

        `options` are the hostile faults' (see faults.FaultRule): `trickle_interval`,
        `trickle_chunk`, `trickle_headers`; `targets`, `every`, `fraction`, `seed`, `variants`.
        """
        rule = make_rule(
            fault,
            actions=actions,
            dialects=dialects,
            count=count,
            latency_ms=latency_ms,
            **options,
        )
        self.simulator.faults.set(rule)

    def clear_faults(self) -> None:
        self.simulator.faults.set(None)

    def requests(self, action: str | None = None, *, since: int = 0) -> list[LoggedRequest]:
        """The request log, oldest first: how each request went (see requests_log.py)."""
        return self.simulator.requests.entries(action=action, since=since)

    def most_in_flight(self, action: str = "add") -> dict[str, int]:
        """The most requests of `action` answered at the same time, per API key."""
        return self.simulator.requests.most_in_flight(action)

    # Outages: the panel's server is off. Connections are refused, open ones are cut, and the
    # control API is out of reach too, so over HTTP only the timed form exists.

    def go_down(self) -> None:
        self.server.go_down()

    def come_back(self) -> None:
        self.server.come_back()

    def outage(self, seconds: float) -> None:
        """Down now, back on the same port after `seconds` (returns at once)."""
        self.server.outage(seconds)

    @property
    def is_up(self) -> bool:
        return self.server.is_up

    def advance(self, seconds: float) -> None:
        self.simulator.advance(seconds)

    def set_balance(
        self, balance: str | Decimal, dialect: str | None = None, catalog: str | None = None
    ) -> None:
        self.simulator.set_balance(Decimal(balance), dialect, catalog)

    def orders(
        self, dialect: str | None = None, catalog: str | None = None
    ) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = self.simulator.dump(dialect, catalog)["orders"]
        return orders

    def reset(
        self, *, state: bool = False, dialect: str | None = None, catalog: str | None = None
    ) -> None:
        self.simulator.reset(state=state, dialect=dialect, catalog=catalog)

    # The catalog. `catalog=None` is the server's catalog; changes are saved with the state and
    # show in every dialect serving that catalog.

    def catalog(self, name: str | None = None) -> Catalog:
        return self.simulator.catalog(name)

    def services(self, catalog: str | None = None) -> tuple[Service, ...]:
        """What `services` lists now."""
        return self.simulator.catalog(catalog).services

    def remove_services(self, ids: Iterable[int], *, catalog: str | None = None) -> list[int]:
        with self.simulator.change_catalog(catalog) as live:
            return live.remove(ids)

    def restore_services(
        self, ids: Iterable[int] | None = None, *, catalog: str | None = None
    ) -> list[int]:
        """Bring removed services back; all of them without `ids`."""
        with self.simulator.change_catalog(catalog) as live:
            return live.restore(ids)

    def update_service(
        self, service_id: int, *, catalog: str | None = None, **changes: Any
    ) -> Service:
        """Change rate, min, max, refill, cancel, dripfeed, name, category or description."""
        with self.simulator.change_catalog(catalog) as live:
            return live.update(service_id, changes)

    def add_service(self, *, catalog: str | None = None, **fields: Any) -> Service:
        """A new service: `name` and `rate` at least; `id` defaults to the highest id + 1."""
        with self.simulator.change_catalog(catalog) as live:
            return live.add(fields)

    def reprice(
        self,
        fraction: float = 0.05,
        *,
        factor: str | float | None = None,
        seed: int = 0,
        catalog: str | None = None,
    ) -> list[int]:
        """Change the rate of round(fraction x services); the ids changed, sorted."""
        with self.simulator.change_catalog(catalog) as live:
            return live.reprice(fraction, factor=factor, seed=seed)

    def reset_catalog(self, catalog: str | None = None) -> None:
        """Undo every change to the catalog (removals, updates, additions)."""
        with self.simulator.change_catalog(catalog) as live:
            live.reset()

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.stop_serving()
        self.server.close_connections()
        self.server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def start_simulator(
    *,
    state_dir: str | os.PathLike[str],
    port: int = 0,
    host: str = "127.0.0.1",
    keys: Sequence[str] = ("demo-key",),
    dialect: str = "standard",
    stage_seconds: float = 20.0,
    balance: str | Decimal = "1000.00",
    currency: str = "USD",
    fault: str | None = None,
    fault_actions: Iterable[str] | None = None,
    fault_count: int | None = None,
    latency_ms: int = 0,
    log_requests: bool = False,
    catalog: str = DEFAULT_CATALOG,
    catalog_size: int | None = None,
    fault_options: Mapping[str, Any] | None = None,
    frozen_clock: bool = False,
) -> SimulatorHandle:
    """Start a simulator on `host:port` (0 picks a free port) and return once it accepts.

    `fault_options`: the options of a hostile `fault`, as for `SimulatorHandle.set_fault`.
    `frozen_clock`: simulated time moves only through `advance`, never with the wall clock.
    """
    if isinstance(keys, str):
        keys = (keys,)  # a lone key, not a set of one-letter keys
    rule = make_rule(
        fault,
        actions=fault_actions,
        count=fault_count,
        latency_ms=latency_ms,
        **dict(fault_options or {}),
    )
    simulator = Simulator(
        state_dir=Path(state_dir),
        keys=keys,
        dialect=dialect,
        stage_seconds=stage_seconds,
        balance=Decimal(balance),
        currency=currency,
        fault=rule if rule.fault or rule.latency_ms else None,
        catalog=catalog,
        catalog_size=catalog_size,
        frozen_clock=frozen_clock,
    )
    server = SimulatorServer((host, port), simulator, Handler, log_requests=log_requests)
    thread = threading.Thread(
        target=server.serve,
        # A short poll keeps stop() fast; an idle select() every 20 ms costs nothing.
        kwargs={"poll_interval": 0.02},
        name=f"panel-simulator-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return SimulatorHandle(simulator, server, thread)
