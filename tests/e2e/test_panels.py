"""Add a panel, test its connection, sync its catalog and disable it: in a real browser."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from panels.api.errors import BadApiKey
from panels.models import CatalogSync, Panel, Service
from panels.services import panel_create, panel_mark_failing
from simulator import SimulatorHandle, start_simulator

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
KEY = "sim-key-0123456789abcdef"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=(KEY,), balance="1000.00")
    yield handle
    handle.stop()


def other_panels() -> None:
    """A failing panel and one low on balance, so the list shows every kind of row."""
    now = timezone.now()
    failing = Panel(
        name="Cheap Likes Co",
        api_url="https://cheaplikes.example/api/v2",
        balance=Decimal("87.10"),
        currency="USD",
        health=Panel.Health.FAILING,
        failing_since=now - timedelta(hours=3),
        balance_checked_at=now - timedelta(hours=3),
        last_error="<script>alert(1)</script> balance: HTTP 502 from the panel",
        last_error_at=now - timedelta(minutes=2),
        catalog_synced_at=now - timedelta(hours=5),
    )
    failing.api_key = "another-secret-key-000"
    failing.save()
    CatalogSync.objects.create(
        panel=failing,
        state=CatalogSync.State.FAILED,
        finished_at=now - timedelta(minutes=2),
        error="The panel is having trouble (HTTP 502). Try again later.",
    )
    low = Panel(
        name="Boost Panel",
        api_url="https://boost.example/api/v2",
        balance=Decimal("3.2"),
        currency="EUR",
        health=Panel.Health.OK,
        low_balance_threshold=Decimal("5"),
        balance_checked_at=now - timedelta(minutes=9),
        last_ok_at=now - timedelta(minutes=9),
        catalog_synced_at=now - timedelta(hours=2),
    )
    low.api_key = "yet-another-secret-key-1"
    low.save()
    for number in range(12):
        Service.objects.create(panel=low, remote_id=str(number), name="Likes", rate=Decimal(1))
    # A run a worker is busy with: its row shows the progress bar (and keeps polling).
    CatalogSync.objects.create(panel=low, state=CatalogSync.State.RUNNING, started_at=now)


def log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/panels/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/panels/")


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_it_adds_tests_syncs_and_disables_a_panel(
    browser: Browser,
    live_server,
    settings,
    simulator: SimulatorHandle,
    artifacts: Path,
    label: str,
    viewport: dict[str, int],
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # .delay() runs the task inline, in the server
    settings.PANEL_HTTP_BACKOFF = 0.01
    User.objects.create_user("alice", password=PASSWORD)
    base_url = live_server.url
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, base_url)
        expect(page.get_by_text("No panels yet")).to_be_visible()
        page.screenshot(path=artifacts / f"panels-empty-{label}.png", full_page=True)

        page.get_by_role("link", name="Add your first panel").click()
        expect(page.get_by_role("heading", name="Add a panel")).to_be_visible()
        page.get_by_label("API URL", exact=True).fill("panel.example/api/v2")
        page.get_by_role("button", name="Add panel").click()
        expect(page.get_by_role("alert")).to_contain_text("Please fix the fields marked below")
        expect(page.get_by_text("Give the panel a name.")).to_be_visible()
        expect(page.get_by_text("must start with https:// or http://")).to_be_visible()
        expect(page.get_by_text("Enter the panel's API key.")).to_be_visible()
        expect(page.get_by_label("API URL", exact=True)).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=artifacts / f"panels-form-errors-{label}.png", full_page=True)

        page.goto(f"{base_url}/panels/add/")  # start afresh, without the errors above

        page.get_by_label("Name", exact=True).fill("Sim Panel")
        page.get_by_label("API URL", exact=True).fill(simulator.api_url())

        # A wrong key: a clear reason, inline.
        page.get_by_label("API key", exact=True).fill("wrong-key-000000000")
        page.get_by_role("button", name="Test connection").click()
        result = page.locator("#connection-result")
        expect(result).to_contain_text("The panel refused the API key")

        # Saving the refused key is refused too, with the reason and a "Save anyway".
        page.get_by_role("button", name="Add panel").click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Not saved: the connection test failed. The panel refused the API key"
        )
        expect(result).to_contain_text("Connection failed")
        expect(page.get_by_label("Save anyway")).not_to_be_checked()
        assert not Panel.objects.exists()
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the refused form scrolls sideways"
        page.screenshot(path=artifacts / f"panels-add-refused-{label}.png", full_page=True)

        # The right key: the balance, inline.
        page.get_by_label("API key", exact=True).fill(KEY)
        page.get_by_role("button", name="Test connection").click()
        expect(result).to_contain_text("Connected")
        expect(result).to_contain_text("1,000.00")
        page.get_by_text("Advanced request options").click()
        expect(page.get_by_label("Key field name")).to_have_value("key")
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the form scrolls sideways"
        page.screenshot(path=artifacts / f"panels-form-{label}.png", full_page=True)

        page.get_by_role("button", name="Add panel").click()
        expect(page).to_have_url(f"{base_url}/panels/#panel-{Panel.objects.get().pk}")
        expect(page.get_by_role("status")).to_contain_text("Added Sim Panel")
        panel = Panel.objects.get(name="Sim Panel")
        assert panel.api_key == KEY
        assert KEY not in page.content()
        row = page.locator(f"#panel-{panel.pk}")
        expect(row).to_contain_text("1,000.00")  # the balance the test on save read
        assert panel.balance == Decimal("1000.00")
        expect(row).to_contain_text("Catalog not loaded yet")

        row.get_by_role("button", name="Sync now").click()
        sync = row.locator(".sync-slot")
        expect(sync).to_contain_text("Synced", timeout=15_000)
        created = CatalogSync.objects.get(panel=panel).created
        assert created > 10
        expect(sync).to_contain_text(f"{created} new")
        expect(sync.locator("[hx-trigger]")).to_have_count(0)  # polling stopped
        expect(row).to_contain_text(f"{created} active")  # the card follows, without a reload

        # The list with every kind of row, and the edit form of the synced panel.
        other_panels()
        page.reload()
        expect(page.locator(f"#panel-{panel.pk}")).to_contain_text(f"{created} active")
        expect(page.get_by_text("Syncing the catalog")).to_be_visible()
        expect(page.get_by_text("<script>alert(1)</script>", exact=False)).to_be_visible()
        expect(page.get_by_text("Low balance")).to_have_count(1)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the list scrolls sideways"
        page.screenshot(path=artifacts / f"panels-list-{label}.png", full_page=True)

        row = page.locator(f"#panel-{panel.pk}")
        row.get_by_role("link", name="Edit").click()
        expect(page.get_by_text("Current key:")).to_contain_text(f"••••{KEY[-4:]}")
        expect(page.get_by_label("New API key")).to_have_value("")
        page.get_by_role("button", name="Test connection").click()  # with the stored key
        expect(page.locator("#connection-result")).to_contain_text("Connected")
        page.screenshot(path=artifacts / f"panels-edit-{label}.png", full_page=True)
        page.get_by_role("link", name="Cancel").click()

        page.locator(f"#panel-{panel.pk}").get_by_role("button", name="Disable").click()
        expect(page.get_by_role("status")).to_contain_text("Disabled Sim Panel")
        row = page.locator(f"#panel-{panel.pk}")
        expect(row).to_contain_text("Disabled")
        expect(row.get_by_role("button", name="Enable")).to_be_visible()
        expect(row.get_by_role("button", name="Sync now")).to_have_count(0)
        panel.refresh_from_db()
        assert not panel.is_active
        assert Service.objects.filter(panel=panel).count() == created
    finally:
        context.close()


@pytest.fixture(params=[("desktop", DESKTOP), ("phone", PHONE)], ids=["desktop", "phone"])
def screen(request: pytest.FixtureRequest) -> tuple[str, dict[str, int]]:
    """(label, viewport): each test using it runs at desktop and at phone width."""
    return request.param  # type: ignore[no-any-return]


def test_after_a_fix_a_sync_brings_the_whole_card_up_to_date(
    browser: Browser, live_server, settings, simulator: SimulatorHandle, artifacts: Path, screen
) -> None:
    """A panel whose key was refused; the key is fixed on the panel's side, then Sync now: the
    card says OK with its services at once, and the refused key is folded away as past."""
    label, viewport = screen
    settings.CELERY_TASK_ALWAYS_EAGER = True
    User.objects.create_user("alice", password=PASSWORD)
    panel = panel_create(name="Fixed Panel", api_url=simulator.api_url(), api_key=KEY)
    panel_mark_failing(panel=panel, error=BadApiKey("balance: the panel refused the API key"))
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        log_in(page, live_server.url)
        row = page.locator(f"#panel-{panel.pk}")
        expect(row).to_contain_text("The panel refused the API key · just now")
        expect(row).not_to_contain_text("0 minutes")
        expect(row.locator(".last-error.is-current")).to_be_visible()
        page.screenshot(path=artifacts / f"panels-key-refused-{label}.png", full_page=True)
        page.goto(f"{live_server.url}/")
        attention = page.locator(".attention-item", has_text="Fixed Panel")
        expect(attention).to_contain_text("Fixed Panel: the panel refused the API key, just now.")
        expect(page.locator(".panel-card", has_text="Fixed Panel")).to_contain_text(
            "key refused, just now"
        )
        page.screenshot(path=artifacts / f"overview-key-refused-{label}.png", full_page=True)
        page.goto(f"{live_server.url}/panels/")

        row.get_by_role("button", name="Sync now").click()
        expect(row.locator(".sync-status")).to_contain_text("Synced", timeout=15_000)
        created = CatalogSync.objects.get(panel=panel).created
        expect(row.locator(".badge-ok").first).to_have_text("OK")
        expect(row).to_contain_text(f"{created} active")
        expect(row).not_to_contain_text("Failing")
        expect(row).to_contain_text("1,000.00")  # the balance is read with the catalog
        expect(page.locator("#panels-summary")).not_to_contain_text("failing")
        expect(row).not_to_contain_text("not checked yet")
        expect(row.locator(".last-error.is-current")).to_have_count(0)
        past = row.locator(".last-error.is-past")
        expect(past).to_contain_text("Past error")
        expect(past.locator(".last-error-text")).not_to_be_visible()  # folded away
        assert page.evaluate(NO_SIDEWAYS_SCROLL), "the list scrolls sideways"
        page.screenshot(path=artifacts / f"panels-fixed-synced-{label}.png", full_page=True)
        past.locator("summary").click()
        expect(past.locator(".last-error-text")).to_contain_text("refused the API key")
    finally:
        context.close()
