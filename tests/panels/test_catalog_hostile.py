"""A hostile or sloppy panel: one bad entry is set aside with a plain reason, the rest is
stored, and every sync run ends with a state the panel's page shows."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import responses
from django.db import DatabaseError
from django.urls import reverse

from panels import tasks
from panels.models import CatalogEvent, CatalogSync, Panel, Service
from panels.services import EmptyCatalog, catalog_sync, panel_create
from panels.services.catalog import SyncFailed

URL = "https://hostile.example/api/v2"


def service(sid, name="Followers", rate="0.90", **extra):
    return {
        "service": sid,
        "name": name,
        "type": "Default",
        "category": "IG",
        "rate": rate,
        "min": "10",
        "max": "1000",
        "refill": True,
        "cancel": False,
        **extra,
    }


@pytest.fixture
def panel(db, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    return panel_create(name="Hostile", api_url=URL, api_key="hostile-key", timeout_seconds=5)


def run_sync(panel: Panel, body: object) -> CatalogSync:
    """One sync through the real client, the way the worker runs it; the run, reloaded."""
    text = body if isinstance(body, str) else json.dumps(body)
    responses.add(responses.POST, URL, body=text, content_type="application/json")
    run = CatalogSync.objects.create(panel=panel)
    catalog_sync(panel=panel, run=run)
    run.refresh_from_db()
    return run


def stored_ids(panel: Panel) -> set[str]:
    active = Service.objects.filter(panel=panel, is_active=True)
    return set(active.values_list("remote_id", flat=True))


@pytest.mark.parametrize(
    ("rate", "reason"),
    [
        (str(10**12), "service 2: rate 1000000000000 is too large to be real"),
        ("1e309", "service 2: rate 1e309 is too large to be real"),
        ("-0.5", "service 2: rate -0.5 is negative"),
        ("free", "service 2: rate free is not a number"),
        (None, "service 2: no rate"),
    ],
)
@responses.activate
def test_a_service_with_an_impossible_rate_is_set_aside_and_the_rest_stored(panel, rate, reason):
    run = run_sync(panel, [service(1), service(2, rate=rate), service(3, "Likes")])

    assert stored_ids(panel) == {"1", "3"}
    assert (run.state, run.services_seen, run.skipped) == (CatalogSync.State.DONE, 2, 1)
    assert run.notes == [reason]
    assert run.summary == f"Catalog synced: 2 services; 1 set aside: {reason}"
    panel.refresh_from_db()
    assert panel.health == Panel.Health.OK


@responses.activate
def test_a_raw_json_number_too_large_for_the_column_is_set_aside(panel):
    # 1e309 as a bare JSON number: Decimal('1E+309') with parse_float=Decimal, never a float.
    body = (
        '[{"service": 1, "name": "A", "rate": "0.5"}, {"service": 2, "name": "B", "rate": 1e309}]'
    )

    run = run_sync(panel, body)

    assert stored_ids(panel) == {"1"}
    assert run.notes == ["service 2: rate 1E+309 is too large to be real"]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"min": str(2**63)}, f"service 2: min {2**63} is too large to be real"),
        ({"max": 2**64}, f"service 2: max {2**64} is too large to be real"),
        ({"min": "-5"}, "service 2: min -5 is negative"),
        ({"max": "10.5"}, "service 2: max 10.5 is not a whole number"),
        ({"min": "500", "max": "100"}, "service 2: min 500 is larger than max 100"),
    ],
)
@responses.activate
def test_a_service_with_impossible_limits_is_set_aside(panel, extra, reason):
    run = run_sync(panel, [service(1), service(2, **extra)])

    assert stored_ids(panel) == {"1"}
    assert (run.state, run.notes) == (CatalogSync.State.DONE, [reason])


@responses.activate
def test_the_largest_limits_a_column_holds_are_stored(panel):
    run_sync(panel, [service(1, min="1", max=str(2**63 - 1))])

    assert Service.objects.get(remote_id="1").max_quantity == 2**63 - 1


@responses.activate
def test_a_nonsense_refill_time_keeps_the_service_with_refill_days_unknown(panel):
    run = run_sync(panel, [service(1, refill_time=10**12), service(2, refill_time="30")])

    assert Service.objects.get(remote_id="1").refill_days is None
    assert Service.objects.get(remote_id="2").refill_days == 30
    assert (run.services_seen, run.skipped) == (2, 0)
    assert run.notes == [
        "service 1: refill_time 1000000000000 is too large to be real; kept without refill days"
    ]
    assert "kept without refill days" in run.summary


@responses.activate
def test_an_id_longer_than_the_column_is_set_aside_and_long_texts_are_shortened(panel):
    long_id = "9" * 101
    run = run_sync(
        panel,
        [
            service(long_id),
            service(1, "N" * 600, category="C" * 400, type="T" * 150),
        ],
    )

    stored = Service.objects.get(panel=panel)
    assert stored.remote_id == "1"
    assert (len(stored.name), len(stored.category), len(stored.raw_type)) == (500, 300, 100)
    assert stored.name.endswith("N…")
    assert run.notes == [f"an entry whose id {'9' * 40}... is longer than 100 characters"]


@responses.activate
def test_nul_characters_and_nan_never_reach_the_database(panel):
    body = (
        '[{"service": 1, "name": "Li\\u0000kes", "rate": "1", "description": "a\\u0000b",'
        ' "extra": NaN, "odd\\u0000key": "x\\u0000"}]'
    )

    run = run_sync(panel, body)

    stored = Service.objects.get(panel=panel)
    assert (stored.name, stored.description) == ("Likes", "ab")
    assert stored.raw["extra"] == "nan"
    assert stored.raw["oddkey"] == "x"
    assert run.state == CatalogSync.State.DONE


@responses.activate
def test_a_decimal_comma_rate_is_read_as_a_decimal(panel):
    run_sync(panel, [service(1, rate="1,50"), service(2, rate="0,0275")])

    assert Service.objects.get(remote_id="1").rate == Decimal("1.50")
    assert Service.objects.get(remote_id="2").rate == Decimal("0.0275")


@responses.activate
def test_an_ambiguous_comma_rate_is_set_aside_rather_than_guessed(panel):
    run = run_sync(panel, [service(1, rate="1,234"), service(2, rate="1,234.50")])

    assert Service.objects.get(remote_id="2").rate == Decimal("1234.50")
    assert stored_ids(panel) == {"2"}
    assert run.notes == [
        "service 1: rate 1,234 could mean 1.234 or 1234; it was set aside rather than guessed"
    ]


@responses.activate
def test_a_huge_price_jump_is_recorded_without_overflowing_the_change_column(panel):
    run_sync(panel, [service(1, rate="0.000000000001")])
    run = run_sync(panel, [service(1, rate="999999999999")])

    assert run.state == CatalogSync.State.DONE
    event = CatalogEvent.objects.get(kind=CatalogEvent.Kind.RATE_CHANGED)
    assert event.rate_change == Decimal("99999999.9999")


@responses.activate
def test_a_list_where_nothing_is_usable_keeps_the_catalog_and_says_why(panel):
    run_sync(panel, [service(1), service(2)])

    responses.replace(responses.POST, URL, json=[service(1, rate="1e309"), service(2, rate="x")])
    with pytest.raises(EmptyCatalog):
        catalog_sync(panel=panel)

    assert stored_ids(panel) == {"1", "2"}
    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING
    assert "None of the 2 services" in panel.last_error
    assert "service 1: rate 1e309 is too large to be real" in panel.last_error


@responses.activate
def test_an_unexpected_error_ends_the_run_as_failed_and_marks_the_panel(panel, monkeypatch):
    run_sync(panel, [service(1)])

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Service.objects, "bulk_update", broken)
    responses.replace(responses.POST, URL, json=[service(1, rate="2")])
    run = CatalogSync.objects.create(panel=panel)
    with pytest.raises(SyncFailed):
        catalog_sync(panel=panel, run=run)

    run.refresh_from_db()
    assert run.state == CatalogSync.State.FAILED
    assert run.finished_at is not None
    assert "error on our side (DatabaseError)" in run.error
    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING
    assert "error on our side" in panel.last_error
    assert Service.objects.get(remote_id="1").rate == Decimal("0.90")  # nothing half-written


@responses.activate
def test_the_task_never_raises_and_always_ends_its_run(panel, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("panels.services.catalog._apply", broken)
    responses.add(responses.POST, URL, json=[service(1)])
    run = CatalogSync.objects.create(panel=panel)

    tasks.catalog_sync(panel.pk, run.pk)  # what the worker does: no exception escapes

    run.refresh_from_db()
    assert run.state == CatalogSync.State.FAILED
    assert "RuntimeError" in run.error


@responses.activate
def test_the_panels_page_shows_why_entries_were_set_aside(panel, logged_in):
    run_sync(panel, [service(1), service(2, name="<b>x</b>", rate="1e309")])

    page = logged_in.get(reverse("panels:list")).content.decode()

    assert "1 set aside" in page
    assert "service 2: rate 1e309 is too large to be real" in page
    # Next to the panel's health, in one line.
    assert "Catalog synced: 1 service; 1 set aside: service 2: rate 1e309" in page
    assert "<b>x</b>" not in page


def test_the_task_raises_nothing_even_when_the_database_is_gone(panel, monkeypatch):
    def gone(*args, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr("panels.tasks._active_panel", gone)

    assert tasks.catalog_sync(panel.pk) is None
