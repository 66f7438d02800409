"""A balance shown for a decision says how old it is: the order form's warning and the upload
preview's totals per panel, in a real browser at desktop and phone width."""

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

from orders.services.uploads import upload_check
from panels.models import Panel
from panels.services import balance_sync, catalog_sync, panel_create
from panels.simulator import SimulatorHandle, start_simulator
from tests.orders.conftest import svc

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",))
    yield handle
    handle.stop()


@pytest.fixture
def shop(sim: SimulatorHandle) -> Panel:
    """A panel whose balance, 0.50 USD, was read three minutes ago."""
    panel = panel_create(name="Sim Shop", api_url=sim.api_url(), api_key="k")
    catalog_sync(panel=panel)
    balance_sync(panel=panel)
    Panel.objects.filter(pk=panel.pk).update(
        balance=Decimal("0.50"), balance_checked_at=timezone.now() - timedelta(minutes=3)
    )
    User.objects.create_user("alice", password=PASSWORD)
    return Panel.objects.get(pk=panel.pk)


def log_in(page: Page, base_url: str, path: str) -> None:
    page.goto(f"{base_url}{path}")
    page.get_by_label("Username", exact=True).fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}{path}")


def shots(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=artifacts / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{name} scrolls sideways on a phone"
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)


def test_the_balance_warnings_say_how_old_the_balance_is(
    browser: Browser, live_server, shop: Panel, artifacts: Path
) -> None:
    followers = svc(shop, 3)
    upload = upload_check(kind="csv", filename="orders.csv", user=User.objects.get(),
                          data=b"panel,service,link,quantity\nSim Shop,3,https://x.com/a,2500\n"
)  # fmt: skip
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, base, f"/orders/new/?service={followers.pk}")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/someone")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("2500")
        warning = page.locator('[data-warning="balance"]')
        expect(warning).to_contain_text(
            "Sim Shop has 0.50 USD left (read 3 minutes ago): not enough for 3.00 USD"
        )
        shots(page, artifacts, "order-new-balance-age")

        page.goto(f"{base}/orders/upload/{upload.pk}/")
        totals = page.locator("#upload-totals")
        expect(totals).to_contain_text("0.50")
        expect(totals.locator(".balance-age")).to_have_text("read 3 minutes ago")
        shots(page, artifacts, "upload-preview-balance-age")
    finally:
        page.context.close()
