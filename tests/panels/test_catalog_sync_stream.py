"""A catalog sync reads the panel's answer one entry at a time and stores it a batch at a time
(benchmarks/catalog_sync_memory.py): over several batches it stores what one whole read stored,
sets bad entries aside, changes nothing when the answer breaks off part way, and its memory
does not grow with the catalog."""

from __future__ import annotations

import contextlib
import json
import tracemalloc
from decimal import Decimal

import pytest
import responses

from panels.api.errors import PanelError
from panels.models import CatalogEvent, CatalogSync, Panel, Service
from panels.services import catalog as catalog_module
from panels.services import catalog_sync, panel_create

URL = "https://stream.example/api/v2"
Kind = CatalogEvent.Kind
BATCH = 100  # small batches, so a few hundred services make several


@pytest.fixture(autouse=True)
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(catalog_module, "BATCH", BATCH)


@pytest.fixture
def panel(db, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    return panel_create(name="Stream", api_url=URL, api_key="stream-key", timeout_seconds=5)


def service(sid: int, rate: str = "0.90", name: str = "") -> dict[str, object]:
    return {"service": sid, "name": name or f"Instagram Followers {sid}", "type": "Default",
            "category": "Instagram", "rate": rate, "min": "10", "max": "1000"}  # fmt: skip


def sync(panel: Panel, body: object) -> CatalogSync:
    text = body if isinstance(body, str) else json.dumps(body)
    responses.add(responses.POST, URL, body=text, content_type="application/json")
    run = CatalogSync.objects.create(panel=panel)
    with contextlib.suppress(PanelError):  # recorded on the run
        catalog_sync(panel=panel, run=run)
    run.refresh_from_db()
    return run


def stored(panel: Panel) -> list[tuple[str, Decimal, bool]]:
    rows = Service.objects.filter(panel=panel).order_by("pk")
    return list(rows.values_list("remote_id", "rate", "is_active"))


@responses.activate
def test_a_catalog_of_many_batches_is_stored_as_one_read_stores_it(panel) -> None:
    sync(panel, [service(n) for n in range(1, 451)])
    answer = [service(n) for n in range(1, 451) if n != 150]  # 150 is gone
    answer[9] = service(10, rate="1.80")  # re-priced
    answer[300:300] = [service(5, rate="0.10"), {"service": 999, "rate": "free"}]  # bad ones
    answer.append(service(451))  # new, in the last batch

    run = sync(panel, answer)

    assert run.state == CatalogSync.State.DONE
    assert (run.services_seen, run.created, run.updated, run.deactivated) == (450, 1, 1, 1)
    assert run.skipped == 2
    assert run.notes == ["service 5: listed twice", "service 999: rate free is not a number"]
    events = sorted(CatalogEvent.objects.values_list("kind", "service__remote_id"))
    assert events == [(Kind.ADDED, "451"), (Kind.RATE_CHANGED, "10"), (Kind.REMOVED, "150")]
    assert Service.objects.get(panel=panel, remote_id="5").rate == Decimal("0.90")  # the first
    assert Service.objects.get(panel=panel, remote_id="10").rate == Decimal("1.80")
    assert not Service.objects.get(panel=panel, remote_id="150").is_active


@pytest.mark.parametrize(
    "tail",
    [', {"service": 1000, "na', ", 3] extra", ",, {}]", ' {"service": 1000}]'],
    ids=["cut short", "more after the array", "two commas", "no comma"],
)
@responses.activate
def test_an_answer_that_breaks_after_several_batches_changes_nothing(panel, tail: str) -> None:
    sync(panel, [service(n) for n in range(1, 301)])
    before = stored(panel)
    body = json.dumps([service(n, rate="2.00") for n in range(2, 402)])[:-1] + tail

    run = sync(panel, body)

    assert run.state == CatalogSync.State.FAILED
    assert "services: the answer is not JSON: [" in run.error
    assert stored(panel) == before
    assert not CatalogEvent.objects.exists()
    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING


@responses.activate
def test_a_catalog_of_entries_all_set_aside_keeps_the_stored_one(panel) -> None:
    sync(panel, [service(n) for n in range(1, 11)])
    run = sync(panel, [{"service": n, "rate": "free"} for n in range(1, 301)])
    assert run.state == CatalogSync.State.FAILED
    assert run.error.startswith("None of the 300 services the panel listed could be used")
    assert all(active for _, _, active in stored(panel))


def peak_while_syncing(panel: Panel, count: int) -> int:
    """The most memory Python allocated during the sync of `count` services (the answer's
    text was made before)."""
    # One name for all: the matcher's cache of names read (bounded) is not the sync's memory.
    answer = [service(n, name="Instagram Followers") for n in range(1, count + 1)]
    responses.add(responses.POST, URL, body=json.dumps(answer))
    tracemalloc.start()
    try:
        catalog_sync(panel=panel)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@responses.activate
def test_the_syncs_memory_does_not_grow_with_the_catalog(panel, settings) -> None:
    settings.DEBUG = False  # no query log growing with the queries
    small = peak_while_syncing(panel, 3 * BATCH)
    Service.objects.all().delete()
    large = peak_while_syncing(panel, 30 * BATCH)
    # Ten times the services: the same batches; what grows is the ids seen and the answer's
    # text (the test's copy, and up to 1 MB of it spooled in memory). A whole read: tenfold.
    assert large < 3 * small, (small, large)
