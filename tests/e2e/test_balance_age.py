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
from playwright.sync_api import Browser, expect

from orders.services.uploads import upload_check
from panels.models import Panel
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots
from tests.orders.helpers import svc

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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


def test_the_balance_warnings_say_how_old_the_balance_is(
    browser: Browser, live_server, shop: Panel, artifacts: Path
) -> None:
    followers = svc(shop, 3)
    upload = upload_check(
        kind="csv",
        filename="orders.csv",
        user=User.objects.get(),
        data=b"panel,service,link,quantity\nSim Shop,3,https://x.com/a,2500\n",
    )
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
