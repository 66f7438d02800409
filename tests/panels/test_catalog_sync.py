"""catalog_sync keeps the database in step with a panel's catalog as it churns."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses

from panels.errors import BadApiKey
from panels.models import Panel, Service
from panels.services import balance_sync, catalog_sync, panel_create

URL = "https://churn.example/api/v2"


def service(sid, name="Followers", rate="0.90", **extra):
    return {"service": sid, "name": name, "type": "Default", "category": "IG", "rate": rate,
            "min": "10", "max": "1000", "refill": True, "cancel": False, **extra}  # fmt: skip


@pytest.fixture
def panel(db) -> Panel:
    return panel_create(name="Churn", api_url=URL, api_key="churn-key", timeout_seconds=5)


@responses.activate
def test_it_creates_updates_and_deactivates_services_never_deleting_them(panel, settings):
    settings.PANEL_HTTP_RETRIES = 0
    responses.add(responses.POST, URL, json=[service(1), service(2, "Likes", "0.10")])
    responses.add(responses.POST, URL, json=[service(1, rate="1.25"), service(3, "Views")])
    first = catalog_sync(panel=panel)
    likes = Service.objects.get(panel=panel, remote_id="2")

    second = catalog_sync(panel=panel)

    assert (first.created, first.updated, first.deactivated) == (2, 0, 0)
    assert (second.created, second.updated, second.deactivated) == (1, 1, 1)
    assert Service.objects.get(panel=panel, remote_id="1").rate == Decimal("1.25")
    likes.refresh_from_db()
    assert likes.is_active is False  # vanished from the panel, kept for its orders
    assert likes.last_seen_at < Service.objects.get(panel=panel, remote_id="1").last_seen_at
    assert Service.objects.filter(panel=panel).count() == 3


@responses.activate
def test_a_service_that_comes_back_is_active_again(panel, settings):
    settings.PANEL_HTTP_RETRIES = 0
    for catalog in ([service(1)], [], [service(1)]):
        responses.add(responses.POST, URL, json=catalog)
        catalog_sync(panel=panel)

    assert Service.objects.get(panel=panel, remote_id="1").is_active


@responses.activate
def test_broken_entries_are_skipped_and_counted(panel, settings):
    settings.PANEL_HTTP_RETRIES = 0
    responses.add(responses.POST, URL, json=[
        service(1), service(2, rate="free"), {"name": "no id"}, service("x" * 101),
    ])  # fmt: skip

    result = catalog_sync(panel=panel)

    assert (result.created, result.skipped) == (1, 3)


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
    assert "refused the API key" in panel.last_error

    responses.replace(responses.POST, URL, json={"balance": "3.5", "currency": "EUR"})
    balance_sync(panel=panel)
    panel.refresh_from_db()
    assert (panel.health, panel.failing_since) == (Panel.Health.OK, None)
    assert (panel.balance, panel.currency) == (Decimal("3.5"), "EUR")
