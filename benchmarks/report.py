"""How a benchmark states its figures, so that `make bench` can collect them into RESULTS.md.

Each benchmark prints its own human-readable output as before, and also calls

    figure("status sync: queries per 100 orders", 0.32, target="under 5", met=True)
    table("Faults", ["fault", "orders", "duplicates"], [["5xx", 300, 0], ...])

which print one line each, starting with MARK and holding JSON. `benchmarks/run_all.py` runs
every script, reads those lines from its output and writes the report; run alone, a script's
output stays readable (the marked lines are short and sit at the end of its run).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

MARK = "@bench "


def figure(name: str, value: float | int | str, *, target: str, met: bool, unit: str = "") -> None:
    """One measured figure and the target it is held to (`met` is decided by the caller)."""
    line = {"kind": "figure", "name": name, "value": value, "unit": unit, "target": target}
    print(MARK + json.dumps({**line, "met": bool(met)}, default=str), flush=True)


def table(title: str, headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """A table of results shown as it is in the report (e.g. the fault suite's table)."""
    data = {"kind": "table", "title": title, "headers": list(headers)}
    data["rows"] = [[str(cell) for cell in row] for row in rows]
    print(MARK + json.dumps(data), flush=True)


def parse(output: str) -> list[dict[str, object]]:
    """The figures and tables in a benchmark's output, in order."""
    found = []
    for line in output.splitlines():
        if line.startswith(MARK):
            try:
                found.append(json.loads(line[len(MARK) :]))
            except ValueError:
                continue
    return found
