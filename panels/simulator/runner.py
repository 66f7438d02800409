"""Run the simulator's real HTTP server in a background thread, and steer it from Python."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from .core import Simulator
from .faults import make_rule
from .server import API_PATH, SimulatorServer


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

    def api_url(self, dialect: str | None = None) -> str:
        """`/api/v2` for the default dialect, `/<dialect>/api/v2` for a named one."""
        if dialect is None:
            return self.base_url + API_PATH
        return f"{self.base_url}/{self.simulator.dialect(dialect).name}{API_PATH}"

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
    ) -> None:
        rule = make_rule(
            fault, actions=actions, dialects=dialects, count=count, latency_ms=latency_ms
        )
        self.simulator.faults.set(rule)

    def clear_faults(self) -> None:
        self.simulator.faults.set(None)

    def advance(self, seconds: float) -> None:
        self.simulator.advance(seconds)

    def set_balance(self, balance: str | Decimal, dialect: str | None = None) -> None:
        self.simulator.set_balance(Decimal(balance), dialect)

    def orders(self, dialect: str | None = None) -> list[dict[str, Any]]:
        orders: list[dict[str, Any]] = self.simulator.dump(dialect)["orders"]
        return orders

    def reset(self, *, state: bool = False, dialect: str | None = None) -> None:
        self.simulator.reset(state=state, dialect=dialect)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self.server.shutdown()
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
) -> SimulatorHandle:
    """Start a simulator on `host:port` (0 picks a free port) and return once it accepts."""
    if isinstance(keys, str):
        keys = (keys,)  # a lone key, not a set of one-letter keys
    rule = make_rule(fault, actions=fault_actions, count=fault_count, latency_ms=latency_ms)
    simulator = Simulator(
        state_dir=Path(state_dir),
        keys=keys,
        dialect=dialect,
        stage_seconds=stage_seconds,
        balance=Decimal(balance),
        currency=currency,
        fault=rule if rule.fault or rule.latency_ms else None,
    )
    server = SimulatorServer((host, port), simulator, log_requests=log_requests)
    thread = threading.Thread(
        target=server.serve_forever,
        # A short poll keeps stop() fast; an idle select() every 20 ms costs nothing.
        kwargs={"poll_interval": 0.02},
        name=f"panel-simulator-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return SimulatorHandle(simulator, server, thread)
