"""The fault suite (benchmarks/faults.py) at a small size: under every fault, no order is sent
twice or lost, the ledgers match, and the orders whose outcome is unknown are exactly those
whose `add` the panel cannot vouch for. Routed orders too: refused ones move on to another
panel and are still bought once; unknown ones never move on.

The suite runs as a process of its own, as `make bench` runs it: it starts a private
redis-server, a real Celery worker and the simulator, and makes its own throwaway PostgreSQL
database on this session's server, so it shares nothing with this session's Redis database or
test database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from benchmarks import faults
from benchmarks._fault_scenarios import UPLOAD_EVERY
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 60
TIMEOUT = 600  # seconds; a run takes about four minutes
NAMES = [scenario.name for scenario in faults.SCENARIOS]
# What shows that a scenario's fault met the orders, beyond the invariants every one must keep.
FAULT_MET = {
    "latency": "faulted_adds",
    "5xx": "faulted_adds",
    "html": "faulted_adds",
    "truncated": "faulted_adds",
    "429": "sent_later",
    "drop": "faulted_adds",
    "down": "sent_later",
    "kill": "in_flight",
    "trickle": "faulted_adds",
    "malformed": "hostile_status",
    "catalog": "catalog_skipped",
    "previews": "same_file_notices",
    "routing": "moved_on",
}
# What a test that names no scenario reads; any other such test reads them all.
READS = {"test_a_panel_short_of_funds_refuses_in_words": "none"}


def _needs(ok: bool, reason: str) -> None:
    if not ok:
        if IN_CI:
            pytest.fail(f"{reason}; CI must provide it")
        pytest.skip(reason)


def _selected(request: pytest.FixtureRequest) -> list[str]:
    """The scenarios the selected tests of this module read, so that `-k routing` runs that
    one only; [] when they read every one."""
    names: set[str] = set()
    for item in request.session.items:
        if getattr(item, "module", None) is not request.module:
            continue
        spec = getattr(item, "callspec", None)
        if spec is not None and "name" in spec.params:
            names.add(spec.params["name"])
        elif (original := getattr(item, "originalname", "")) in READS:
            names.add(READS[original])
        else:
            return []
    return sorted(names) if set(NAMES) - names else []


@pytest.fixture(scope="module")
def suite(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    database = settings.DATABASES["default"]
    _needs(
        database["ENGINE"].endswith("postgresql"),
        "needs PostgreSQL: the worker and the suite share its database",
    )
    _needs(
        shutil.which("redis-server") is not None,
        "needs redis-server: the suite restarts a Redis of its own",
    )
    out = tmp_path_factory.mktemp("faults") / "results.json"
    env = {**os.environ, "DATABASE_URL": faults.database_url(database)}
    command = [
        sys.executable,
        str(ROOT / "benchmarks" / "faults.py"),
        "--orders",
        str(ORDERS),
        "--json",
        str(out),
    ]
    names = _selected(request)
    if names:
        command += ["--scenarios", ",".join(names)]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.terminate()  # the suite cleans up its worker, Redis and database on SIGTERM
        stdout, stderr = process.communicate(timeout=60)
    if not out.exists():
        pytest.fail(f"the fault suite did not finish:\n{stdout[-3000:]}\n{stderr[-6000:]}")
    return {"results": {r["name"]: r for r in json.loads(out.read_text())}, "out": stdout}


@pytest.mark.redis
@pytest.mark.parametrize("name", NAMES)
def test_no_order_is_sent_twice_or_lost_and_the_ledgers_match(
    suite: dict[str, Any], name: str
) -> None:
    result = suite["results"][name]
    context = f"{suite['out']}\n{json.dumps(result, indent=1)[:6000]}"
    # Routed orders refused for their panel's own reasons moved on as new orders (`moved_on`).
    assert result["orders"] == ORDERS + result["moved_on"], context
    assert result["duplicates"] == 0, context
    assert result["lost"] == 0, context
    assert result["mismatches"] == [], context
    assert result["ledger_ok"], context
    settled = result["placed"] + result["rejected"] + result["unknown"]
    assert settled + result["stalled"] == result["orders"], context
    # Unknown: exactly the orders the panel cannot vouch for, each listed for a person (and
    # each with a true reason: the suite counts a wrong one as a mismatch).
    assert result["unknown_orders"] == result["unvouched_orders"], context
    assert result["task_crashes"] == 0, context  # no sync or send raised out of the worker


# A worker killed mid-send, or cut off from Redis, cannot free its sending slots: they come back
# when their lease runs out (orders.tasks.slot_lease_seconds), and the orders go out then.
@pytest.mark.redis
@pytest.mark.parametrize("name", NAMES)
def test_every_order_is_sent_within_the_run(suite: dict[str, Any], name: str) -> None:
    result = suite["results"][name]
    assert result["stalled_orders"] == [], f"{suite['out']}\n{result['notes']}"


@pytest.mark.redis
@pytest.mark.parametrize("name", [name for name in NAMES if name in FAULT_MET])
def test_each_fault_met_the_orders(suite: dict[str, Any], name: str) -> None:
    result = suite["results"][name]
    assert result[FAULT_MET[name]] > 0, f"{suite['out']}\n{json.dumps(result, indent=1)}"
    if name in ("truncated", "drop", "trickle"):
        # The panel placed these and its answer was lost (or came too late): unknown, for a
        # person to resolve.
        assert result["unknown"] > 0
    if name == "malformed":
        # Status syncs went on while entries were broken, and whole entries were applied.
        assert result["status_syncs_during_fault"] > 0
        assert result["progressed_untargeted"] > 0
    if name == "previews":
        # Both second submits were told the file was queued moments ago; told "yes, again",
        # the check of each link at submit refused every row whose first order was still
        # active, and queued again only rows whose first order had ended (rejected for funds,
        # or completed) before it; a row ordered twice at once is a ledger mismatch.
        assert result["same_file_notices"] >= 2
        # Every row of the two files was asked for again once: refused, or bought again.
        upload_rows = len(range(0, ORDERS, UPLOAD_EVERY))
        asked_again = result["refused_second_submit"] + result["bought_again"]
        assert asked_again == upload_rows, result["notes"]
    if name == "routing":
        # Every order was routed; the cheapest panel's lack of funds and the next one's
        # delisted service moved orders on, and some answers left the outcome unknown: those
        # never moved on, and each chain was bought at most once (the suite counts a
        # successor of an unknown order, or a chain bought twice, as a duplicate).
        assert result["chains"] == ORDERS, result["notes"]
        assert result["moved_for"].keys() >= {"not_enough_funds", "incorrect_service_id"}
        assert result["unknown"] > 0
        assert result["chain_ends"].get("placed", 0) > 0


@pytest.mark.redis
def test_a_panel_short_of_funds_refuses_in_words(suite: dict[str, Any]) -> None:
    # Every rejected order carries the panel's reason (the suite counts one without as lost).
    assert suite["results"]["none"]["rejected"] > 0


@pytest.mark.redis
def test_the_suite_reports_its_table(suite: dict[str, Any]) -> None:
    from benchmarks.report import parse

    (table,) = [item for item in parse(suite["out"]) if item["kind"] == "table"]
    assert table["title"] == "Fault suite"
    assert table["headers"][:5] == ["fault", "orders", "duplicates", "lost", "unknown"]
    assert [row[0] for row in table["rows"]] == [s.label for s in faults.SCENARIOS]
    figures = {item["name"]: item for item in parse(suite["out"]) if item["kind"] == "figure"}
    assert figures["fault suite: duplicate adds"]["met"] is True
