"""Bulk refill in a real browser: select every order matching a filter, preview, confirm, and
read each order's outcome on the result page."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from orders.models import BulkAction, Order
from orders.services import order_create, orders_status_sync
from panels.models import Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",), stage_seconds=1)
    yield handle
    handle.stop()


@pytest.fixture
def shop(sim: SimulatorHandle, settings) -> Panel:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the bulk task runs inline, in the server
    settings.PANEL_HTTP_RETRIES = 0
    panel = panel_create(name="Sim Shop", api_url=sim.api_url(), api_key="k")
    catalog_sync(panel=panel)
    User.objects.create_user("alice", password=PASSWORD)
    return Panel.objects.get(pk=panel.pk)


def place(service: Service, n: int) -> Order:
    low = max(service.min_quantity, 1)
    order = order_create(
        service=service, values={"link": f"https://example.com/b/{n}", "quantity": low}
    )
    order.refresh_from_db()  # eager Celery: order_create has sent it already
    assert order.state == Order.State.PLACED
    return order


def test_select_all_matching_then_bulk_refill(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    refillable = Service.objects.filter(panel=shop, type="default", refill=True).first()
    no_refill = Service.objects.filter(panel=shop, type="default", refill=False).first()
    for n in range(40):
        place(refillable, n)
    for n in range(40, 48):
        place(no_refill, n)
    sim.advance(120)
    orders_status_sync(panel=shop)
    done = Order.objects.filter(status="completed")
    total, eligible = done.count(), done.filter(service=refillable).count()
    assert Order.objects.count() > total > eligible > 20  # the filter leaves some out

    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, base, "/orders/?status=completed")
        page.get_by_label(f"Select all {total} matching").check()
        page.get_by_role("button", name="Refill selected").click()
        expect(page).to_have_url(re.compile(r"/orders/bulk/preview/\?.*all=1"))
        expect(page.locator("#bulk-total")).to_have_text(str(total))
        expect(page.locator("#bulk-eligible")).to_have_text(str(eligible))
        expect(page.locator(".bulk-reasons")).to_contain_text("The service does not offer refill.")
        shots(page, artifacts, "bulk-preview")

        page.get_by_role("button", name=f"Refill {eligible} orders").click()
        expect(page).to_have_url(re.compile(r"/orders/bulk/\d+/$"))
        expect(page.locator("#bulk-state")).to_have_text("Done")
        expect(page.locator("#bulk-succeeded")).to_have_text(str(eligible))
        expect(page.locator(".bulk-item")).to_have_count(total)
        shots(page, artifacts, "bulk-result")

        page.get_by_role("link", name=re.compile("^Not eligible")).click()
        expect(page.locator(".bulk-item")).to_have_count(total - eligible)
        assert BulkAction.objects.count() == 1
    finally:
        page.context.close()


def test_the_preview_says_how_many_panels_the_eligible_orders_go_to(
    browser: Browser, live_server, artifacts: Path
) -> None:
    User.objects.create_user("alice", password=PASSWORD)
    ids = []
    for n, name in enumerate(("Alpha SMM", "Boost Panel", "Cheap Likes Co")):
        panel = Panel(name=name, api_url="https://panel.example/api/v2", currency="USD")
        panel.api_key = "k"
        panel.save()
        service = Service.objects.create(
            panel=panel,
            remote_id=str(n),
            rate=1,
            refill=True,
            name="Instagram Followers [Refill 30D]",
        )
        placed = {"state": Order.State.PLACED, "status": "completed", "remote_id": str(n)}
        order = Order.objects.create(
            panel=panel,
            service=service,
            quantity=100,
            link=f"https://instagram.com/p/{n}",
            **(placed if n == 0 else {}),
        )
        ids.append(str(order.pk))
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        path = f"/orders/bulk/preview/?kind=refill&ids={'&ids='.join(ids)}"
        log_in(page, live_server.url, path)
        expect(page.locator("#bulk-eligible")).to_have_text("1")
        expect(page.locator(".bulk-confirm")).to_contain_text(
            "1 order will be sent to 1 panel, 100 per request."
        )
        shots(page, artifacts, "bulk-preview-panels")
    finally:
        page.context.close()


def test_the_preview_asks_the_panel_first_and_says_when_it_could_not(
    browser: Browser, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    """Orders the panel completed since our last status sync: refilling them is offered, and
    canceling them is not. With the panel down, the preview still opens and says so."""
    refillable = Service.objects.filter(
        panel=shop, type="default", refill=True, cancel=True
    ).first()
    assert refillable is not None
    orders = [place(refillable, 100 + n) for n in range(3)]
    sim.advance(120)  # completed on the panel; here they still read "pending"
    ids = "&".join(f"ids={o.pk}" for o in orders)
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, base, f"/orders/bulk/preview/?kind=refill&{ids}")
        expect(page.locator("#bulk-eligible")).to_have_text("3")
        freshness = page.locator("#bulk-freshness")
        expect(freshness).to_contain_text("Statuses of 3 running orders read from the panels at")
        shots(page, artifacts, "bulk-preview-fresh")

        Order.objects.filter(pk__in=[o.pk for o in orders]).update(status="in_progress")
        sim.go_down()
        page.goto(f"{base}/orders/bulk/preview/?kind=cancel&{ids}")
        expect(page.locator("#bulk-eligible")).to_have_text("3")
        expect(freshness).to_contain_text("Statuses not refreshed:")
        expect(freshness).to_contain_text("Sim Shop could not be asked. Could not connect")
        expect(freshness).to_contain_text("Its orders are judged as read before, the oldest read")
        shots(page, artifacts, "bulk-preview-panel-down")
    finally:
        page.context.close()
