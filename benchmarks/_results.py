"""The report `make bench` writes (benchmarks/RESULTS.md) and the outcomes it is made from,
kept in benchmarks/results.json so that a benchmark re-run alone (`run_all.py --only`) replaces
its own figures and keeps the others'."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

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
    measured_at: str = ""  # when it ran: "2026-12-07 19:55 UTC"
    load: str = ""  # the machine's load average (1 min) before / after it ran

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


def render(
    outcomes: list[Outcome], facts: dict[str, str], when: datetime, *, kept: bool = False
) -> str:
    """RESULTS.md: the summary of every figure, then each benchmark's tables and figures with
    when it ran (a benchmark re-run alone with `--only` keeps the others' last figures)."""
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
        [_measured(when, kept=kept)],
        markdown_table(["machine", ""], [[k, v] for k, v in facts.items()]),
        ["## Summary"],
        summary,
        markdown_table(["benchmark", "figure", "measured", "target", "result"], rows),
    ]
    for outcome in outcomes:
        about = f" {outcome.about}" if outcome.about else ""
        blocks += [
            [f"## {outcome.name}"],
            [f"`benchmarks/{outcome.name}.py`:{about} ({outcome.status}{_when(outcome)})."],
        ]
        if busy := _busy({LOAD_FACT: outcome.load}):
            blocks.append([busy])
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


def _measured(when: datetime, *, kept: bool) -> str:
    """`kept`: some outcomes are from earlier runs, kept when others were re-run alone."""
    last = f"{when:%Y-%m-%d %H:%M} UTC"
    if not kept:
        return f"Measured on {last} by `make bench` (benchmarks/run_all.py)."
    return (
        f"Last updated on {last} by `benchmarks/run_all.py --only`; each benchmark's section "
        "says when it ran: the ones not re-run keep their figures from earlier runs."
    )


def _when(outcome: Outcome) -> str:
    if not outcome.measured_at:
        return ""
    load = f", load average {outcome.load}" if outcome.load else ""
    return f" on {outcome.measured_at}{load}"


# --- the stored outcomes: a benchmark re-run alone replaces only its own -----------------


def load_outcomes(path: Path) -> list[Outcome]:
    """The outcomes of the last runs, as `store_outcomes` wrote them; none if there are none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [Outcome(**item) for item in data.get("outcomes", [])]


def store_outcomes(path: Path, outcomes: list[Outcome]) -> None:
    data = {"outcomes": [asdict(outcome) for outcome in outcomes]}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def merge_outcomes(stored: list[Outcome], new: list[Outcome], names: list[str]) -> list[Outcome]:
    """The new outcomes, and the stored ones of the other benchmarks still in `names`, in the
    order of `names`."""
    by_name = {o.name: o for o in stored if o.name in names}
    by_name.update({o.name: o for o in new})
    return [by_name[name] for name in names if name in by_name]


RERUN = [
    "```sh",
    "make bench                                                      # all, then this file",
    ".venv/bin/python benchmarks/run_all.py --only load order_list   # some; the rest are kept",
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
