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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import parse  # noqa: E402

NOT_BENCHMARKS = frozenset({"report.py", "run_all.py"})
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
DEFAULT_TIMEOUT = 1800.0
TAIL_LINES = 25
LOAD_FACT = "Load average (1 min) before / after"


@dataclass
class Outcome:
    """One benchmark's run: its figures and tables, or why it failed."""

    name: str
    seconds: float = 0.0
    returncode: int | None = 0
    timed_out: bool = False
    items: list[dict] = field(default_factory=list)
    tail: str = ""
    about: str = ""  # the first line of the script's docstring

    @property
    def figures(self) -> list[dict]:
        return [item for item in self.items if item.get("kind") == "figure"]

    @property
    def tables(self) -> list[dict]:
        return [item for item in self.items if item.get("kind") == "table"]

    @property
    def missed(self) -> int:
        return sum(1 for f in self.figures if not f.get("met"))

    @property
    def failed(self) -> bool:
        """Timed out, stated nothing, or exited non-zero for another reason than a missed
        target (benchmarks exit 1 when one of their targets is not met)."""
        if self.timed_out or not self.items:
            return True
        return self.returncode != 0 and not self.missed

    @property
    def status(self) -> str:
        if self.timed_out:
            return f"FAILED: timed out after {self.seconds:.0f} s"
        if self.failed:
            return f"FAILED: exit status {self.returncode}" + ("" if self.items else ", no figures")
        if self.missed:
            return f"ran in {self.seconds:.0f} s; {self.missed} target(s) not met"
        return f"ran in {self.seconds:.0f} s"


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
    if outcome.failed:
        lines = [line for line in output.splitlines() if not line.startswith("@bench ")]
        outcome.tail = "\n".join(lines[-TAIL_LINES:])
    return outcome


def _about(script: Path) -> str:
    try:
        doc = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
    except (OSError, SyntaxError, ValueError):
        return ""
    return doc.strip().splitlines()[0].rstrip(".") if doc.strip() else ""


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


# --- the report --------------------------------------------------------------------------


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(headers: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |"]
    lines.append("|" + "|".join("---" for _ in headers) + "|")
    lines.extend("| " + " | ".join(_cell(c) for c in row) + " |" for row in rows)
    return lines


def _value(item: dict) -> str:
    unit = item.get("unit") or ""
    return f"{item.get('value')} {unit}".strip()


def render(outcomes: list[Outcome], facts: dict[str, str], when: datetime) -> str:
    figures = [f for o in outcomes for f in o.figures]
    met = sum(1 for f in figures if f.get("met"))
    failed = [o.name for o in outcomes if o.failed]
    summary = [
        f"- {len(outcomes)} benchmarks, {len(outcomes) - len(failed)} ran, "
        f"{len(failed)} failed{': ' + ', '.join(failed) if failed else ''}.",
        f"- {len(figures)} figures with a target: {met} met, {len(figures) - met} not met.",
    ]
    if busy := _busy(facts):
        summary.append(f"- {busy}")
    rows = [
        [o.name, f["name"], _value(f), f.get("target", ""), _verdict(f)]
        for o in outcomes
        for f in o.figures
    ]
    rows += [[o.name, "—", "—", "—", o.status] for o in outcomes if o.failed and not o.figures]
    blocks = [
        ["# Benchmark results"],
        [f"Measured on {when:%Y-%m-%d %H:%M} UTC by `make bench` (benchmarks/run_all.py)."],
        markdown_table(["machine", ""], [[k, v] for k, v in facts.items()]),
        ["## Summary"],
        summary,
        markdown_table(["benchmark", "figure", "measured", "target", "result"], rows),
    ]
    for outcome in outcomes:
        about = f" {outcome.about}" if outcome.about else ""
        blocks += [
            [f"## {outcome.name}"],
            [f"`benchmarks/{outcome.name}.py`:{about} ({outcome.status})."],
        ]
        listed: list[str] = []
        for item in outcome.items:
            if item.get("kind") == "table":
                blocks.append([f"**{item.get('title', '')}**"])
                blocks.append(
                    markdown_table(list(item.get("headers", [])), list(item.get("rows", [])))
                )
            elif item.get("kind") == "figure":
                listed.append(
                    f"- {item['name']}: **{_value(item)}** (target: "
                    f"{item.get('target', '')}) — {_verdict(item)}"
                )
        if listed:
            blocks.append(listed)
        if outcome.tail:
            blocks += [["The end of its output:"], ["```", outcome.tail, "```"]]
    blocks += [["## Re-running"], RERUN]
    return "\n\n".join("\n".join(block) for block in blocks) + "\n"


RERUN = [
    "```sh",
    "make bench                                                      # all, then this file",
    ".venv/bin/python benchmarks/run_all.py --only load order_list   # some of them",
    ".venv/bin/python benchmarks/load.py --users 10 --seconds 45     # one, with its options",
    "```",
    "",
    "They need PostgreSQL (`DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/bench`;",
    "each benchmark makes and drops its own database) and Redis (`REDIS_URL`, default",
    "`redis://127.0.0.1:6379/13`). Figures depend on the machine and on what else it is doing:",
    "compare runs on the same, otherwise idle, machine.",
]


def _busy(facts: dict[str, str]) -> str:
    """A warning when other work was running: more runnable processes than CPUs."""
    try:
        load = max(float(v) for v in facts.get(LOAD_FACT, "").split(" / "))
    except ValueError:
        return ""
    cpus = os.cpu_count() or 1
    if load <= cpus:
        return ""
    return (
        f"The machine was busy with other work during the run (load average up to "
        f"{load:g} on {cpus} CPUs): timings are slower than on an idle machine."
    )


def _verdict(item: dict) -> str:
    return "MET" if item.get("met") else "**NOT MET**"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="benchmark names (file names without .py)")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds each")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args(argv)

    scripts = benchmark_scripts()
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
    args.output.write_text(render(outcomes, facts, when), encoding="utf-8")

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
