"""Run every benchmark and write benchmarks/RESULTS.md: each figure with its target, this machine,
today's date. `make bench` runs this.

    .venv/bin/python benchmarks/run_all.py [--only load order_list] [--timeout 1800]

Which scripts: every `benchmarks/*.py` except `report.py`, `run_all.py` and helper modules,
whose names start with an underscore (`_seed.py`...). Each runs as its own process, in its own
process group, with a time limit; on timeout the whole group (gunicorn, simulators...) is
stopped. Their `@bench` lines (benchmarks/report.py) become the report. A script that exits
non-zero, times out or states no figure or table is shown as failed, with the end of its
output; it is never left out.

Environment: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench; the benchmarks make
their own test databases from it), REDIS_URL (default redis://127.0.0.1:6379/13), and fresh
SECRET_KEY / PANEL_KEY_ENCRYPTION_KEYS when not set. Panels on loopback over plain http (the
simulator) are allowed. Exit status: 0 when every benchmark ran and every target was met, 1
otherwise; the report is written either way.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks._results import (  # noqa: E402
    LOAD_FACT,
    Outcome,
    load_outcomes,
    merge_outcomes,
    render,
    store_outcomes,
)
from benchmarks.report import parse  # noqa: E402

__all__ = ["LOAD_FACT", "Outcome", "load_outcomes", "main", "render"]

NOT_BENCHMARKS = frozenset({"report.py", "run_all.py"})
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
DEFAULT_TIMEOUT = 1800.0
TAIL_LINES = 25


def benchmark_scripts(folder: Path = HERE) -> list[Path]:
    """The benchmarks in `folder`: `*.py` but report.py, run_all.py and `_helpers.py`."""
    return sorted(
        path
        for path in folder.glob("*.py")
        if path.name not in NOT_BENCHMARKS and not path.name.startswith("_")
    )


def bench_env(base: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    if not env.get("SECRET_KEY"):
        import secrets

        env["SECRET_KEY"] = secrets.token_urlsafe(50)
    if not env.get("PANEL_KEY_ENCRYPTION_KEYS"):
        from cryptography.fernet import Fernet

        env["PANEL_KEY_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    # The benchmarks' panels are simulators on 127.0.0.1 over plain http.
    env["PANEL_ALLOW_HTTP"] = "True"
    env["PANEL_ALLOW_PRIVATE_ADDRESSES"] = "True"
    # Pages are asked for over plain http by Django's test client; https is not measured.
    env.setdefault("SECURE_SSL_REDIRECT", "False")
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run_one(script: Path, env: dict[str, str], timeout: float) -> Outcome:
    """Run a script in its own process group; on timeout stop the group, then kill it."""
    print(f"== {script.name}", flush=True)
    measured_at = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    load_before = _load_average()
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(script)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    timed_out = False
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        _stop_group(process)
        output, _ = process.communicate()
    except BaseException:
        _stop_group(process)
        raise
    seconds = time.perf_counter() - started
    print(output, end="" if output.endswith("\n") else "\n", flush=True)
    outcome = Outcome(script.stem, seconds, process.returncode, timed_out, parse(output))
    outcome.about = _about(script)
    outcome.measured_at, outcome.load = measured_at, f"{load_before} / {_load_average()}"
    if outcome.failed:
        lines = [line for line in output.splitlines() if not line.startswith("@bench ")]
        outcome.tail = "\n".join(lines[-TAIL_LINES:])
    return outcome


def _about(script: Path) -> str:
    try:
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, ValueError):
        return ""
    summary = doc.strip().split("\n\n")[0]  # the first paragraph, however it wraps
    return " ".join(summary.split()).rstrip(".")


def _stop_group(process: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 20), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


# --- the machine -------------------------------------------------------------------------


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError):
        pass
    return "unknown"


def _postgres_version(url: str) -> str:
    try:
        import psycopg

        maintenance = url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0]
        with psycopg.connect(maintenance + "/postgres", connect_timeout=5) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return f"PostgreSQL {row[0]}" if row else "PostgreSQL"
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"


def _redis_version(url: str) -> str:
    try:
        import redis

        return f"Redis {redis.Redis.from_url(url, socket_timeout=5).info()['redis_version']}"
    except Exception as exc:
        return f"unreachable ({type(exc).__name__})"


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"


def machine(env: dict[str, str]) -> dict[str, str]:
    return {
        "CPU": f"{os.cpu_count()} × {_cpu_model()}",
        "RAM": _memory(),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "Database": _postgres_version(env["DATABASE_URL"]),
        "Redis": _redis_version(env["REDIS_URL"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="benchmark names (file names without .py)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds each")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--store", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)

    scripts = all_scripts = benchmark_scripts()
    if args.only:
        unknown = set(args.only) - {s.stem for s in scripts}
        if unknown:
            parser.error(f"no such benchmark: {', '.join(sorted(unknown))}")
        scripts = [s for s in scripts if s.stem in args.only]
    env = bench_env()
    when = datetime.now(UTC)
    load_before = _load_average()
    outcomes = [run_one(script, env, args.timeout) for script in scripts]
    facts = dict(machine(env))
    # Other work on the machine slows every figure down: say how busy it was.
    facts[LOAD_FACT] = f"{load_before} / {_load_average()}"
    run_now = [o.name for o in outcomes]
    if args.only:  # the other benchmarks keep their last figures
        names = [s.stem for s in all_scripts]
        outcomes = merge_outcomes(load_outcomes(args.store), outcomes, names)
    store_outcomes(args.store, outcomes)
    kept = any(o.name not in run_now for o in outcomes)
    args.output.write_text(render(outcomes, facts, when, kept=kept), encoding="utf-8")

    failed = [o.name for o in outcomes if o.failed]
    missed = [f["name"] for o in outcomes for f in o.figures if not f.get("met")]
    print(f"wrote {args.output}")
    if failed:
        print(f"failed: {', '.join(failed)}")
    if missed:
        print(f"targets not met: {'; '.join(missed)}")
    return 1 if failed or missed else 0


if __name__ == "__main__":
    sys.exit(main())
