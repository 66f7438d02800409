"""The fault suite's processes: a private Redis, real Celery workers, simulator processes and
the beat's periodic work, each stopped with the suite however it ends (benchmarks/faults.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

ROOT = Path(__file__).resolve().parent.parent
KEY = "faults-key"
STAGE_SECONDS = 4.0  # the simulated clock moves a stage per tick: orders finish in seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float, what: str, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout:g}s")
        time.sleep(every)


def database_url(db: dict[str, Any]) -> str:
    """A Django database's settings as a DATABASE_URL (for the worker's environment)."""
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{quote(db['NAME'], safe='')}"


def _die_with_us() -> None:
    """In a child process: be sent SIGTERM when the suite's process dies, however it dies, so
    no worker, Redis or simulator outlives it (Linux; elsewhere the finally blocks do it)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _stop_group(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _real_clock_env() -> dict[str, str]:
    """The environment without libfaketime (`make test-clock-ahead`): redis-server never
    answers under it. Like the machine's PostgreSQL and Redis, it keeps the real time; the
    worker and the suite, whose code must not depend on the date, stay ahead."""
    faked = {"LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"}
    return {name: value for name, value in os.environ.items() if name not in faked}


class PrivateRedis:
    """A redis-server of the suite's own, configured like docker-compose's (append-only)."""

    def __init__(self, workdir: Path) -> None:
        self.dir = workdir / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--dir",
                str(self.dir),
                "--appendonly",
                "yes",
                "--save",
                "",
                "--logfile",
                str(self.dir.parent / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_us,
            env=_real_clock_env(),
        )
        wait_for(self.ping, 10, "the private redis-server to answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            _stop_group(self.process)
            self.process = None


class Worker:
    """`celery -A dashboard worker` in its own process group, as a deployment runs it."""

    def __init__(
        self, env: dict[str, str], log_path: Path, name: str, *, concurrency: int = 4
    ) -> None:
        self.log_path = log_path
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "dashboard",
                    "worker",
                    "--loglevel",
                    "INFO",
                    "--concurrency",
                    str(concurrency),
                    "--hostname",
                    f"{name}@%h",
                    "--without-gossip",
                    "--without-mingle",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_us,
            )

    def wait_ready(self, since: int, timeout: float = 60) -> None:
        def ready() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited:\n{self.log_tail()}")
            return b" ready." in self.log_path.read_bytes()[since:]

        wait_for(ready, timeout, "the Celery worker to start", every=0.2)

    def log_tail(self, size: int = 3000) -> str:
        return self.log_path.read_bytes()[-size:].decode(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        _stop_group(self.process)


class Simulator:
    """The panel simulator in a process of its own, steered only through its control API."""

    def __init__(
        self,
        workdir: Path,
        name: str,
        *,
        latency_ms: int = 0,
        stage_seconds: float = STAGE_SECONDS,
        catalog: str = "base",
    ) -> None:
        """State in `workdir`/sim-`name` (seeded there beforehand, or new); `catalog` is the one
        at /api/v2, every catalog is also at /<catalog>/api/v2."""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.http = requests.Session()
        log_path = workdir / f"simulator-{name}.log"
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "simulator",
                    "--port",
                    str(self.port),
                    "--state-dir",
                    str(workdir / f"sim-{name}"),
                    "--key",
                    KEY,
                    "--stage-seconds",
                    str(stage_seconds),
                    "--catalog",
                    catalog,
                    "--balance",
                    "100000",
                    "--latency-ms",
                    str(latency_ms),
                ],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_die_with_us,
            )
        try:
            wait_for(self._answers, 15, "the simulator to start")
        except BaseException:
            self.stop()
            raise

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError("the simulator exited at start")
        try:
            return self.http.get(self.base_url + "/_sim/stats", timeout=1).ok
        except requests.RequestException:
            return False

    def api_url(self, catalog: str) -> str:
        return f"{self.base_url}/{catalog}/api/v2"

    def control(self, route: str, body: dict[str, Any] | None = None, **query: Any) -> Any:
        url = self.base_url + "/_sim/" + route
        if body is None:
            response = self.http.get(url, params=query, timeout=10)
        else:
            response = self.http.post(url, json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def set_fault(self, fault: str | None, **rule: Any) -> None:
        self.control("faults", {"fault": fault, **rule})

    def outage(self, seconds: float) -> None:
        self.control("outage", {"seconds": seconds})

    def advance(self, seconds: float) -> None:
        self.control("advance", {"seconds": seconds})

    def set_balance(self, amount: Decimal, catalog: str) -> None:
        self.control("balance", {"balance": str(amount), "catalog": catalog})

    def orders(self, catalog: str) -> list[dict[str, Any]]:
        return list(self.control("orders", catalog=catalog)["orders"])

    def requests(self, action: str, settle: float = 30.0) -> list[Any]:
        """The request log, once no request is in progress (a slow answer is logged when it
        ends), waiting at most `settle` seconds."""
        from simulator.requests_log import LoggedRequest

        deadline = time.monotonic() + settle
        while (answer := self.control("requests", action=action))["in_progress"]:
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        return [LoggedRequest(**entry) for entry in answer["requests"]]

    def stop(self) -> None:
        _stop_group(self.process)


class Simulators:
    """One simulator process per panel (catalog), as real panels are servers of their own, so
    one can fail alone (`panel(catalog)`); together they are steered like one Simulator."""

    def __init__(self, workdir: Path, name: str, catalogs: tuple[str, ...]) -> None:
        self.sims: dict[str, Simulator] = {}
        try:
            for catalog in catalogs:
                self.sims[catalog] = Simulator(workdir, f"{name}-{catalog}")
        except BaseException:
            self.stop()
            raise

    def panel(self, catalog: str) -> Simulator:
        return self.sims[catalog]

    def api_url(self, catalog: str) -> str:
        return self.sims[catalog].api_url(catalog)

    def control(self, route: str, body: dict[str, Any] | None = None, **query: Any) -> Any:
        """To the panel named by `catalog` (in the body or the query), else to every one."""
        catalog = (body or {}).get("catalog") or query.get("catalog")
        if catalog:
            return self.sims[catalog].control(route, body, **query)
        return [sim.control(route, body, **query) for sim in self.sims.values()][-1]

    def set_fault(self, fault: str | None, **rule: Any) -> None:
        self.control("faults", {"fault": fault, **rule})

    def outage(self, seconds: float) -> None:
        for sim in self.sims.values():
            sim.outage(seconds)

    def advance(self, seconds: float) -> None:
        for sim in self.sims.values():
            with contextlib.suppress(requests.RequestException):  # down: its clock waits
                sim.advance(seconds)

    def set_balance(self, amount: Decimal, catalog: str) -> None:
        self.sims[catalog].set_balance(amount, catalog)

    def orders(self, catalog: str) -> list[dict[str, Any]]:
        return self.sims[catalog].orders(catalog)

    def requests(self, action: str, settle: float = 30.0) -> list[Any]:
        found = [e for sim in self.sims.values() for e in sim.requests(action, settle)]
        return sorted(found, key=lambda entry: entry.at)

    def stop(self) -> None:
        for sim in self.sims.values():
            sim.stop()


class Beat(threading.Thread):
    """The beat's periodic tasks, published every tick; the simulated clock moves a stage."""

    def __init__(self, sim: Any) -> None:
        from orders import tasks  # here, not in the thread: imports racing the main thread

        super().__init__(name="fault-suite-beat", daemon=True)
        self.tasks = tasks
        self.sim = sim
        self.stopping = threading.Event()
        self.publish_errors = 0

    def run(self) -> None:
        tasks = self.tasks
        tick = 0
        while not self.stopping.wait(1.0):
            tick += 1
            with contextlib.suppress(requests.RequestException):  # down: its clock waits
                self.sim.advance(STAGE_SECONDS)
            work = [tasks.status_sync_all]
            work += [tasks.dispatch_queued_all] if tick % 2 == 0 else []
            work += [tasks.reap_stuck_orders] if tick % 5 == 0 else []
            for task in work:
                try:
                    task.delay()
                except Exception:  # the broker is down (the Redis scenario): next tick
                    self.publish_errors += 1

    def stop(self) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=10)
