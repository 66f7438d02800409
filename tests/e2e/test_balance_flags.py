"""A balance that does not add up, seen in a real browser: the overview's Needs attention
lists the interval, its link opens the panel's balance page with the interval, its order and
the chart, and an unexplained rise is confirmed as a top-up with one click."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from ledger.models import BalanceCheck
from ledger.services import panel_reconcile
from orders.models import Order
from orders.services import orders_status_sync
from panels.models import Panel
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots
from tests.orders.helpers import place, svc

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",), balance="1000")
    yield handle
    handle.stop()


@pytest.fixture
def shop(sim: SimulatorHandle) -> Panel:
    """Read at 1000.00; a drip-feed order of 0.075 that took 500.00; then 200.00 put on the
    balance that nothing recorded."""
    panel = panel_create(name="Drip <i>Shop</i>", api_url=sim.api_url(), api_key="k")
    catalog_sync(panel=panel)
    balance_sync(panel=panel)
    sim.set_fault("billing_debit")
    order = place(
        svc(panel, 5), link="https://instagram.com/p/drip", quantity=50, runs=10, interval=5
    )
    orders_status_sync(panel=panel)
    balance_sync(panel=panel)
    sim.set_balance(Decimal("700"))  # 500.00 left after the debit, and 200.00 put on it
    balance_sync(panel=panel)
    panel_reconcile(panel=panel)
    assert order.remote_id
    User.objects.create_user("alice", password=PASSWORD)
    return panel


def test_a_balance_that_does_not_add_up_is_flagged_on_the_overview(
    browser: Browser, live_server, shop: Panel, artifacts: Path
) -> None:
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    log_in(page, base, "/")

    attention = page.locator(".attention-balance")
    expect(attention).to_contain_text("2 balance intervals")
    expect(attention).to_contain_text("-499.925 USD unexplained drop")
    expect(attention).to_contain_text("200.00 USD unexplained rise")
    expect(attention.get_by_role("link", name="Drip <i>Shop</i>").first).to_be_visible()
    shots(page, artifacts, "balance-flags-overview")

    attention.get_by_role("link").last.click()
    expect(page.get_by_role("heading", name="Drip <i>Shop</i> · Balance")).to_be_visible()
    flag = page.locator(".balance-flag-card", has_text="Unexplained drop")
    expect(flag).to_contain_text("-499.925 USD")
    drip = Order.objects.get(runs=10)
    expect(flag.get_by_role("link", name=f"#{drip.pk}")).to_be_visible()
    expect(flag.locator("tbody tr")).to_have_count(1)
    expect(page.locator("svg .balance-flag")).to_have_count(2)
    shots(page, artifacts, "balance-flags-panel")

    page.get_by_role("button", name="Yes, a top-up").click()
    expect(page.locator(".message-success")).to_contain_text("Top-up of 200.00 USD confirmed")
    expect(page.locator(".balance-flag-card")).to_have_count(1)
    expect(page.locator("svg .balance-top-up")).to_have_count(1)
    assert BalanceCheck.objects.filter(result="flagged").count() == 1
    shots(page, artifacts, "balance-flags-confirmed")
