"""catalog_sync keeps the database in step with a panel's catalog as it churns."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext

from panels.api.errors import BadApiKey, PanelUnavailable
from panels.models import CatalogEvent, CatalogSync, Panel, Service
from panels.services import (
    EmptyCatalog,
    balance_sync,
    catalog_sync,
    catalog_sync_start,
    panel_create,
)

URL = "https://churn.example/api/v2"
Kind = CatalogEvent.Kind


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
    return panel_create(name="Churn", api_url=URL, api_key="churn-key", timeout_seconds=5)


def sync_with(panel: Panel, catalog) -> object:
    responses.add(responses.POST, URL, json=catalog)
    return catalog_sync(panel=panel)


def events() -> list[tuple[str, str]]:
    return sorted((e.kind, e.service.remote_id) for e in CatalogEvent.objects.all())


@responses.activate
def test_the_first_sync_creates_services_without_flooding_the_feed(panel):
    result = sync_with(panel, [service(1), service(2, "Likes", "0.10")])

    assert (result.created, result.updated, result.events) == (2, 0, 0)
    assert Service.objects.get(panel=panel, remote_id="2").rate == Decimal("0.10")
    assert CatalogEvent.objects.count() == 0
    # Read once at sync time, so comparing offers is an indexed lookup.
    assert Service.objects.get(panel=panel, remote_id="1").match_key == (
        "instagram|followers|default|"
    )


@responses.activate
def test_a_sync_records_exactly_what_changed(panel):
    sync_with(panel, [service(1), service(2, "Likes"), service(3, "Views"), service(4, "Saves")])
    sync_with(panel, [service(1), service(2, "Likes"), service(4, "Saves")])  # 3 goes away
    CatalogEvent.objects.all().delete()

    result = sync_with(
        panel,
        [
            service(1, rate="1.20"),  # re-priced
            service(2, "Likes", min="50"),  # min changed
            service(3, "Views"),  # back again
            service(4, "Saves", cancel=True),  # cancel flag changed
            service(5, "Shares"),  # new
        ],
    )

    assert events() == [
        (Kind.ADDED, "5"),
        (Kind.FLAGS_CHANGED, "4"),
        (Kind.LIMITS_CHANGED, "2"),
        (Kind.RATE_CHANGED, "1"),
        (Kind.REACTIVATED, "3"),
    ]
    rise = CatalogEvent.objects.get(kind=Kind.RATE_CHANGED)
    assert (rise.old_rate, rise.new_rate, rise.rate_change) == (
        Decimal("0.90"),
        Decimal("1.20"),
        Decimal("0.3333"),
    )
    assert CatalogEvent.objects.get(kind=Kind.LIMITS_CHANGED).details == {"min_quantity": [10, 50]}
    assert CatalogEvent.objects.get(kind=Kind.FLAGS_CHANGED).details == {"cancel": [False, True]}
    assert (result.created, result.updated, result.reactivated, result.deactivated) == (1, 3, 1, 0)
    assert Service.objects.get(panel=panel, remote_id="3").is_active


@responses.activate
def test_a_vanished_service_is_marked_inactive_never_deleted(panel):
    sync_with(panel, [service(1), service(2, "Likes")])
    first_sync = Panel.objects.get(pk=panel.pk).catalog_synced_at

    result = sync_with(panel, [service(1)])

    likes = Service.objects.get(panel=panel, remote_id="2")
    assert result.deactivated == 1
    assert likes.is_active is False
    assert likes.last_seen_at == first_sync
    assert events() == [(Kind.REMOVED, "2")]
    assert CatalogEvent.objects.get().old_rate == Decimal("0.90")


@responses.activate
def test_a_second_identical_sync_writes_nothing(panel):
    catalog = [service(n, f"Service {n}", rate=f"0.{n:02d}") for n in range(1, 40)]
    sync_with(panel, catalog)
    stamps = dict(Service.objects.values_list("remote_id", "last_seen_at"))

    responses.add(responses.POST, URL, json=catalog)
    with CaptureQueriesContext(connection) as queries:
        result = catalog_sync(panel=panel)

    writes = [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert (result.created, result.updated, result.events) == (0, 0, 0)
    # Only the panel's own bookkeeping (sync time, health) is written; no service row.
    assert all("panels_service" not in sql and "panels_catalogevent" not in sql for sql in writes)
    assert dict(Service.objects.values_list("remote_id", "last_seen_at")) == stamps


@responses.activate
def test_a_resync_rewrites_only_the_changed_rows(panel):
    catalog = [service(n, f"Service {n}") for n in range(1, 101)]
    sync_with(panel, catalog)
    catalog[9] = service(10, "Service 10", rate="2.00")
    untouched = Service.objects.get(panel=panel, remote_id="11").last_seen_at

    responses.add(responses.POST, URL, json=catalog)
    with CaptureQueriesContext(connection) as queries:
        result = catalog_sync(panel=panel)

    assert (result.updated, result.events) == (1, 1)
    assert Service.objects.get(panel=panel, remote_id="11").last_seen_at == untouched
    assert len(queries) <= 12


@responses.activate
def test_the_first_sync_of_a_big_catalog_takes_few_queries(panel):
    catalog = [service(n, f"Service {n}") for n in range(1, 2501)]
    responses.add(responses.POST, URL, json=catalog)

    with CaptureQueriesContext(connection) as queries:
        catalog_sync(panel=panel)

    assert Service.objects.filter(panel=panel).count() == 2500
    # PostgreSQL: at most 10 per 1,000 services. SQLite allows 999 parameters per statement,
    # so Django cuts bulk inserts into ~60-row batches there.
    assert len(queries) <= (25 if connection.vendor == "postgresql" else 60)


@responses.activate
def test_garbage_leaves_the_catalog_untouched(panel):
    sync_with(panel, [service(1), service(2, "Likes")])
    before = list(Service.objects.values_list("remote_id", "rate", "is_active"))

    for body in ("<html>Just a moment...</html>", '[{"service": 1, "na', ""):
        responses.add(responses.POST, URL, body=body)
        with pytest.raises(PanelUnavailable):
            catalog_sync(panel=panel)
    responses.add(responses.POST, URL, json=[])
    with pytest.raises(EmptyCatalog):
        catalog_sync(panel=panel)

    assert list(Service.objects.values_list("remote_id", "rate", "is_active")) == before
    assert CatalogEvent.objects.count() == 0
    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING
    assert "kept" in panel.last_error


@responses.activate
def test_broken_entries_are_skipped_and_counted(panel):
    result = sync_with(
        panel,
        [
            service(1),
            service(2, rate="free"),
            {"name": "no id"},
            service("x" * 101),
        ],
    )

    assert (result.created, result.skipped) == (1, 3)


@responses.activate
def test_a_run_records_its_progress_and_outcome(panel):
    run = CatalogSync.objects.create(panel=panel)
    responses.add(responses.POST, URL, json=[service(1)])
    catalog_sync(panel=panel, run=run)
    run.refresh_from_db()
    assert (run.state, run.created, run.services_seen) == (CatalogSync.State.DONE, 1, 1)
    assert run.started_at <= run.finished_at

    failed = CatalogSync.objects.create(panel=panel)
    responses.add(responses.POST, URL, json={"error": "Invalid API key"})
    with pytest.raises(BadApiKey):
        catalog_sync(panel=panel, run=failed)
    failed.refresh_from_db()
    assert failed.state == CatalogSync.State.FAILED
    assert "API key" in failed.error


@responses.activate
def test_a_failed_sync_marks_the_panel_failing_and_keeps_the_first_failure_time(panel):
    responses.add(responses.POST, URL, json={"error": "Invalid API key"})

    with pytest.raises(BadApiKey):
        catalog_sync(panel=panel)
    since = Panel.objects.get(pk=panel.pk).failing_since
    with pytest.raises(BadApiKey):
        balance_sync(panel=panel)

    panel.refresh_from_db()
    assert panel.health == Panel.Health.FAILING
    assert panel.failing_since == since
    # Plain words first, then the technical detail.
    plain, technical = panel.last_error.split("\n")
    assert plain == "The panel refused the API key. Copy it again from the panel's API page."
    assert technical.startswith("balance: the panel refused the API key")

    responses.replace(responses.POST, URL, json={"balance": "3.5", "currency": "EUR"})
    balance_sync(panel=panel)
    panel.refresh_from_db()
    assert (panel.health, panel.failing_since) == (Panel.Health.OK, None)
    assert (panel.balance, panel.currency) == (Decimal("3.5"), "EUR")


def test_a_panel_disabled_since_it_was_read_is_not_queued(panel, monkeypatch):
    """The check sits under the panel's row lock: a panel disabled between reading it and
    pressing Sync (another tab, the admin) queues nothing."""
    queued: list[object] = []
    monkeypatch.setattr("panels.tasks.catalog_sync.delay", lambda *a, **k: queued.append(a))
    Panel.objects.filter(pk=panel.pk).update(is_active=False)  # `panel` still says enabled
    assert catalog_sync_start(panel=panel) is None
    assert not CatalogSync.objects.exists()
    assert queued == []
