"""benchmarks/run_all.py: which scripts run, how a failure shows, how the report reads."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from benchmarks import run_all
from benchmarks.report import figure, parse, table

MACHINE = {"CPU": "2 × Test CPU", "Python": "3.11.7"}
WHEN = datetime(2026, 11, 21, 18, 0, tzinfo=UTC)


def _script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    header = "import sys\nsys.path.insert(0, %r)\nfrom benchmarks.report import figure, table\n"
    path.write_text(header % str(run_all.ROOT) + textwrap.dedent(body))
    return path


def test_it_runs_every_script_but_the_report_itself_and_helpers(tmp_path: Path) -> None:
    for name in ("order_list.py", "faults.py", "report.py", "run_all.py", "_seed.py", "notes.txt"):
        (tmp_path / name).write_text("")

    assert [p.name for p in run_all.benchmark_scripts(tmp_path)] == ["faults.py", "order_list.py"]


def test_the_real_folder_includes_every_benchmark() -> None:
    names = {p.name for p in run_all.benchmark_scripts()}

    assert {"order_list.py", "status_sync.py", "load.py"} <= names
    assert not names & {"report.py", "run_all.py", "_seed.py", "_load_sync.py"}
    assert run_all._about(run_all.HERE / "load.py").startswith("Load test: logged-in users")


def test_a_scripts_summary_is_its_docstrings_first_paragraph(tmp_path: Path) -> None:
    script = tmp_path / "wrapped.py"
    script.write_text(
        '"""Catalog pages over 100,000 services: search,\nfilters and feed.\n\nMore."""\n'
    )

    assert run_all._about(script) == "Catalog pages over 100,000 services: search, filters and feed"


def test_figures_and_tables_round_trip(capsys: pytest.CaptureFixture[str]) -> None:
    print("a human-readable line")
    figure("speed", 12.5, unit="ms", target="under 150 ms", met=True)
    table("Faults", ["fault", "orders"], [["5xx", 300]])

    items = parse(capsys.readouterr().out)

    assert items[0] == {
        "kind": "figure",
        "name": "speed",
        "value": 12.5,
        "unit": "ms",
        "target": "under 150 ms",
        "met": True,
    }
    assert items[1] == {
        "kind": "table",
        "title": "Faults",
        "headers": ["fault", "orders"],
        "rows": [["5xx", "300"]],
    }


def test_a_script_that_states_its_figures_ran(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "fast.py",
        """
        print("working")
        figure("rows per second", 900, target="at least 500", met=True)
    """,
    )

    outcome = run_all.run_one(script, run_all.bench_env(), timeout=60)

    assert not outcome.failed
    assert outcome.figures[0]["value"] == 900
    assert outcome.status.startswith("ran in")


def test_a_crashing_script_is_failed_with_the_end_of_its_output(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "broken.py",
        """
        figure("half way", 1, target="1", met=True)
        raise RuntimeError("the database went away")
    """,
    )

    outcome = run_all.run_one(script, run_all.bench_env(), timeout=60)

    assert outcome.failed
    assert outcome.status == "FAILED: exit status 1"
    assert "the database went away" in outcome.tail


def test_a_missed_target_is_not_a_crash(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "slow.py",
        """
        figure("median", 300, unit="ms", target="under 150 ms", met=False)
        sys.exit(1)
    """,
    )

    outcome = run_all.run_one(script, run_all.bench_env(), timeout=60)

    assert not outcome.failed
    assert outcome.status.endswith("1 target(s) not met")


def test_a_script_that_runs_too_long_is_stopped_and_failed(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "stuck.py",
        """
        import time
        print("started", flush=True)
        time.sleep(60)
    """,
    )

    outcome = run_all.run_one(script, run_all.bench_env(), timeout=1)

    assert outcome.failed
    assert outcome.timed_out
    assert outcome.status.startswith("FAILED: timed out")
    assert "started" in outcome.tail


def test_a_script_that_states_nothing_is_failed() -> None:
    outcome = run_all.Outcome("quiet", returncode=0, items=[])

    assert outcome.failed
    assert "no figures" in outcome.status


def test_the_report_shows_each_figure_with_its_target_and_every_failure() -> None:
    ok = run_all.Outcome(
        "order_list",
        12.0,
        0,
        items=[
            {
                "kind": "figure",
                "name": "first page",
                "value": 41.2,
                "unit": "ms",
                "target": "under 150 ms",
                "met": True,
            },
            {
                "kind": "figure",
                "name": "deep page",
                "value": 210,
                "unit": "ms",
                "target": "under 150 ms",
                "met": False,
            },
            {
                "kind": "table",
                "title": "Pages",
                "headers": ["page", "median"],
                "rows": [["a|b", "41.2"]],
            },
        ],
    )
    broken = run_all.Outcome("load", 3.0, 1, tail="Traceback ...\nRuntimeError: no gunicorn")

    text = run_all.render([ok, broken], MACHINE, WHEN)

    assert "2026-11-21 18:00 UTC" in text
    assert "| CPU | 2 × Test CPU |" in text
    assert "| order_list | first page | 41.2 ms | under 150 ms | MET |" in text
    assert "| order_list | deep page | 210 ms | under 150 ms | **NOT MET** |" in text
    assert "| load | — | — | — | FAILED: exit status 1, no figures |" in text
    assert "| page | median |\n|---|---|\n| a\\|b | 41.2 |" in text
    assert "RuntimeError: no gunicorn" in text
    assert "1 failed: load" in text
    assert "2 figures with a target: 1 met, 1 not met" in text
    assert "make bench" in text


def _only_these(
    monkeypatch: pytest.MonkeyPatch, folder: Path, scripts: list[Path]
) -> tuple[Path, list[str]]:
    """run_all.main over these scripts only, writing its report and store into `folder`."""
    monkeypatch.setattr(run_all, "benchmark_scripts", lambda: scripts)
    monkeypatch.setattr(run_all, "machine", lambda env: MACHINE)
    output, store = folder / "RESULTS.md", folder / "results.json"
    return output, ["--output", str(output), "--store", str(store), "--timeout", "60"]


def test_main_writes_the_report_and_fails_when_a_benchmark_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = _script(tmp_path, "good.py", 'figure("x", 1, target="1", met=True)\n')
    bad = _script(tmp_path, "bad.py", "sys.exit(3)\n")
    output, options = _only_these(monkeypatch, tmp_path, [bad, good])

    code = run_all.main(options)

    assert code == 1
    text = output.read_text()
    assert "## bad" in text
    assert "FAILED: exit status 3" in text
    assert "| good | x | 1 | 1 | MET |" in text


def test_the_report_says_when_the_machine_was_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_all.os, "cpu_count", lambda: 2)
    busy = {**MACHINE, run_all.LOAD_FACT: "7.0 / 10.1"}
    idle = {**MACHINE, run_all.LOAD_FACT: "0.3 / 1.9"}

    assert "busy with other work" in run_all.render([], busy, WHEN)
    assert "busy with other work" not in run_all.render([], idle, WHEN)


def test_a_benchmark_re_run_alone_keeps_the_others_last_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _script(tmp_path, "first.py", 'figure("speed", 1, target="any", met=True)\n')
    second = _script(tmp_path, "second.py", 'figure("size", 2, target="any", met=True)\n')
    output, options = _only_these(monkeypatch, tmp_path, [first, second])
    store = tmp_path / "results.json"
    assert run_all.main(options) == 0
    _script(tmp_path, "second.py", 'figure("size", 3, target="any", met=True)\n')
    _script(tmp_path, "first.py", 'figure("speed", 9, target="any", met=True)\n')

    assert run_all.main([*options, "--only", "second"]) == 0

    text = output.read_text()
    assert "| first | speed | 1 | any | MET |" in text  # kept from the first run
    assert "| second | size | 3 | any | MET |" in text  # measured again
    assert "each benchmark's section says when it ran" in text
    assert [o.name for o in run_all.load_outcomes(store)] == ["first", "second"]
    assert all(
        o.measured_at.endswith("UTC") and " / " in o.load for o in run_all.load_outcomes(store)
    )
