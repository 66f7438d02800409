"""`make run`: everything on one machine, stopped together with Ctrl-C.

Starts the panel simulator, migrates, creates the demo login and panel, then runs a Celery
worker, Celery beat and the web server as child processes, with their output prefixed.
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
from pathlib import Path
from types import FrameType
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dashboard.demo import DEMO_PANEL_KEY, demo_password_file, demo_setup
from panels.models import CatalogSync
from panels.services import catalog_sync_start
from panels.tasks import balance_sync


class Supervisor:
    """Child processes in their own sessions, so that we stop them in order, once."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.children: list[tuple[str, subprocess.Popen[str]]] = []

    def start(
        self, name: str, argv: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[str]:
        proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            argv,
            cwd=settings.BASE_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        threading.Thread(target=self._pump, args=(name, proc), daemon=True).start()
        self.children.append((name, proc))
        return proc

    def _pump(self, name: str, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            self.out.write(f"[{name:9}] {line}")
            self.out.flush()

    def any_stopped(self) -> str | None:
        return next((name for name, proc in self.children if proc.poll() is not None), None)

    def wait_any(self) -> str:
        """Block until a child exits; return its name."""
        while True:
            for name, proc in self.children:
                if proc.poll() is not None:
                    return name
            time.sleep(0.5)

    def stop_all(self, grace: float = 10.0) -> None:
        # SIGTERM to each main process only: Celery's worker then stops its own pool cleanly.
        # Whatever is left of a process group after the grace period is killed.
        for _, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + grace
        for _, proc in self.children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _wait_until(ready: Callable[[], bool], sup: Supervisor, timeout: float) -> bool:
    """Poll `ready` until it holds, the time is up, or a child process has stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sup.any_stopped() is None:
        if ready():
            return True
        time.sleep(0.2)
    return False


def _shown_path(path: Path) -> str:
    """var/demo-login.txt rather than a long absolute path, when it is under the project."""
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Run the dashboard, a demo panel simulator, a Celery worker and beat; Ctrl-C stops all."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--simulator-port", type=int, default=settings.DEMO_SIMULATOR_PORT)
        parser.add_argument(
            "--stage-seconds",
            type=int,
            default=20,
            help="How long simulated orders stay in each stage",
        )
        parser.add_argument(
            "--log-level",
            default="WARNING",
            choices=["DEBUG", "INFO", "WARNING", "ERROR"],
            help="What the worker and beat print (INFO shows every task)",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        host, port, sim_port = opts["host"], opts["port"], opts["simulator_port"]
        for what, p in (("web server", port), ("simulator", sim_port)):
            if _port_open("127.0.0.1", p):
                raise CommandError(f"Port {p} for the {what} is in use. Stop what uses it first.")

        python = sys.executable
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        sup = Supervisor(sys.stdout)
        signal.signal(signal.SIGTERM, _stop)
        try:
            sup.start(
                "simulator",
                [
                    python,
                    "-m",
                    "simulator",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(sim_port),
                    "--state-dir",
                    str(Path(settings.VAR_DIR) / "simulator"),
                    "--key",
                    DEMO_PANEL_KEY,
                    "--stage-seconds",
                    str(opts["stage_seconds"]),
                ],
            )
            if not _wait_until(lambda: _port_open("127.0.0.1", sim_port), sup, timeout=15):
                raise CommandError("The panel simulator did not start; see its output above.")
            setup = demo_setup(simulator_base_url=f"http://127.0.0.1:{sim_port}")
            celery = [python, "-m", "celery", "-A", "dashboard"]
            level = opts["log_level"]
            ready_file = Path(settings.VAR_DIR) / "worker.ready"
            ready_file.unlink(missing_ok=True)
            sup.start(
                "worker",
                [*celery, "worker", "--loglevel", level, "--concurrency", "2"],
                env={"CELERY_WORKER_READY_FILE": str(ready_file)},
            )
            sup.start(
                "beat",
                [
                    *celery,
                    "beat",
                    "--loglevel",
                    level,
                    "--schedule",
                    str(Path(settings.VAR_DIR) / "celerybeat-schedule"),
                ],
            )
            sup.start("web", [python, manage, "runserver", f"{host}:{port}", "--noreload"])
            # First syncs right away rather than at the first beat tick.
            for panel in setup.panels:
                catalog_sync_start(panel=panel, trigger=CatalogSync.Trigger.COMMAND)
                balance_sync.delay(panel.pk)
            if not _wait_until(lambda: _port_open(host, port), sup, timeout=30):
                raise CommandError("The web server did not start; see its output above.")
            if not _wait_until(ready_file.exists, sup, timeout=60):
                self.stderr.write("The worker has not said it is ready yet; see its output above.")
            self.stdout.write(
                self.style.SUCCESS(
                    "\n  SMM Dashboard is running at "
                    f"http://{host}:{port}/\n"
                    f"  Log in as: {setup.user.username} / {setup.password}"
                    f"  (the password is kept in {_shown_path(demo_password_file())})\n"
                    f"  Demo panels: {len(setup.panels)} shops on the simulator at "
                    f"http://127.0.0.1:{sim_port} (state in var/simulator)\n"
                    "  Press Ctrl-C to stop everything.\n"
                )
            )
            gone = sup.wait_any()
            self.stderr.write(f"The {gone} process stopped; stopping the others.")
        except KeyboardInterrupt:
            self.stdout.write("\nStopping...")
        finally:
            # A second Ctrl-C must not leave orphans behind; stopping is bounded anyway.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            sup.stop_all()
