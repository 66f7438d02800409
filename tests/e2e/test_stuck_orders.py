"""A stuck order in a real browser, against three simulated panels selling the same offer: the
overview and the order list flag it with why; from the list it is canceled on its panel with
its remains to re-place, through the preview and its explanation; once the panel's status
says what it did not deliver, only those remains are placed on another panel, as a new order
linked to it, and both order pages say so."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pytest_django.live_server_helper import LiveServer

from orders.models import BulkAction, BulkItem, Order, RemainsReplacement
from orders.services import order_create, orders_status_sync
from orders.services.stuck import orders_flag_stuck
from panels.api.normalise import Status
from panels.models import Panel, Service
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIKES = "5"  # "Instagram Likes [Fast]": on every simulated panel, cancel allowed
LINK = "https://instagram.com/p/stuck-likes"
# Simulated seconds per stage (pending, in progress, done). Long, so that the real seconds the
# browser takes move the half-delivered order by less than one like: its remains stay 500.
STAGE = 1_000_000.0


@pytest.fixture
def three_panels(
    tmp_path: Path, settings: Any
) -> Iterator[tuple[dict[str, SimulatorHandle], dict[str, Panel]]]:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # dispatch and the bulk action run inline
    settings.PANEL_HTTP_RETRIES = 0
    sims: dict[str, SimulatorHandle] = {}
    panels: dict[str, Panel] = {}
    try:
        for name in ("A", "B", "C"):
            # Frozen clocks: "half delivered" is exactly 500, however long the browser takes.
            sims[name] = start_simulator(
                state_dir=tmp_path / name, keys=("k",), stage_seconds=STAGE, frozen_clock=True
            )
            panel = panel_create(name=f"Panel {name}", api_url=sims[name].api_url(), api_key="k")
            catalog_sync(panel=panel)
            balance_sync(panel=panel)  # its currency, to compare the offer's prices in
            panels[name] = Panel.objects.get(pk=panel.pk)
        User.objects.create_user("alice", password=PASSWORD)
        yield sims, panels
    finally:
        for sim in sims.values():
            sim.stop()


def stuck_on_a(sims: dict[str, SimulatorHandle], panels: dict[str, Panel]) -> Order:
    """1,000 likes placed on A, half delivered, placed three days ago, flagged stuck."""
    service = Service.objects.get(panel=panels["A"], remote_id=LIKES)
    order = order_create(service=service, values={"link": LINK, "quantity": 1000})
    order.refresh_from_db()  # eager Celery: order_create has sent it already
    assert order.state == Order.State.PLACED
    sims["A"].advance(STAGE * 1.5)
    orders_status_sync(panel=panels["A"])
    days_ago = timezone.now() - timedelta(days=3)
    Order.objects.filter(pk=order.pk).update(created_at=days_ago, placed_at=days_ago)
    check = orders_flag_stuck()
    assert (check.stuck, check.flagged) == (1, 1)
    order.refresh_from_db()
    assert (order.status, order.remains) == (Status.IN_PROGRESS, 500)
    assert order.stuck.startswith("Still in progress since it was placed on ")
    assert order.stuck.endswith("no delivery record yet, so the default limit of 48 h applies.")
    return order


def adds(sim: SimulatorHandle) -> int:
    """How many `add` calls reached the simulator."""
    return int(sim.stats()["requests"].get("add", 0))


def test_a_stuck_order_has_its_remains_re_placed_on_another_panel(
    browser: Browser,
    live_server: LiveServer,
    three_panels: tuple[dict[str, SimulatorHandle], dict[str, Panel]],
    artifacts: Path,
) -> None:
    sims, panels = three_panels
    order = stuck_on_a(sims, panels)
    base = live_server.url
    page: Page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        # The overview names it under Needs attention.
        log_in(page, base, "/")
        item = page.locator(".attention-stuck")
        expect(item).to_be_visible()
        expect(item.locator(".badge")).to_have_text("Stuck")
        expect(item).to_contain_text("1 order has been running far longer than its service's")
        expect(item.locator(".attention-orders li")).to_have_count(1)
        expect(item.locator(".attention-orders li")).to_contain_text(
            f"#{order.pk} · Panel A · Instagram Likes [Fast] · in progress since 3 days ago"
        )
        item.screenshot(path=artifacts / "stuck-overview-item.png")
        shots(page, artifacts, "stuck-overview")

        # Its page says why, and offers the re-placement in the Cancel card.
        item.get_by_role("link", name=f"#{order.pk}").click()
        expect(page).to_have_url(f"{base}/orders/{order.pk}/")
        card = page.locator("#stuck")
        expect(card.locator("#stuck-title")).to_have_text("Stuck")
        expect(card.locator(".stuck-note")).to_have_text(order.stuck)
        expect(card).to_contain_text(
            "Refresh it to ask Panel A again, cancel it, or cancel it and re-place what it did "
            "not deliver on another panel: the Cancel card says what this order allows."
        )
        expect(page.locator("#order-replace")).to_have_attribute(
            "href", f"/orders/bulk/preview/?kind=replace&ids={order.pk}"
        )
        shots(page, artifacts, "stuck-order")

        # The order list, Needs attention: its row and the reason under it.
        page.go_back()
        expect(page).to_have_url(f"{base}/")
        item.get_by_role("link", name="Show it in the order list").click()
        expect(page).to_have_url(f"{base}/orders/?attention=yes&state=placed")
        row = page.locator(f"#order-{order.pk}")
        expect(row).to_be_visible()
        expect(page.locator(".order-row")).to_have_count(1)
        why = row.locator("xpath=following-sibling::tr[1]")
        expect(why).to_have_class("attention-row attention-stuck")  # amber, not red
        expect(why).to_contain_text(f"Stuck: {order.stuck}")
        expect(why).to_contain_text("tick it, then use the buttons above")
        page.locator(".orders-table").screenshot(path=artifacts / "stuck-list-row.png")
        shots(page, artifacts, "stuck-list")

        # Tick it, cancel and re-place its remains: the preview explains before anything.
        page.get_by_label(f"Select order {order.pk}").check()
        page.get_by_role("button", name="Cancel & re-place remains").click()
        expect(page).to_have_url(f"{base}/orders/bulk/preview/?kind=replace&ids={order.pk}")
        expect(page.locator("#bulk-total")).to_have_text("1")
        expect(page.locator("#bulk-eligible")).to_have_text("1")
        expect(page.locator("#bulk-left-out")).to_have_text("0")
        expect(page.locator(".bulk-replace-how")).to_contain_text(
            "Each order is canceled on its panel. Nothing is bought until that panel confirms "
            "the cancel with what it did not deliver; then only those remains are placed on "
            "the next cheapest panel with the same offer (never the same panel)."
        )
        expect(page.locator(".bulk-confirm")).to_contain_text(
            "1 order will be sent to 1 panel, 100 per request."
        )
        shots(page, artifacts, "stuck-preview")
        assert BulkAction.objects.count() == 0  # nothing done by looking

        expect(page.locator("h1")).to_have_text("Cancel 1 order and re-place the remains?")
        page.get_by_role("button", name="Cancel 1 and re-place the remains").click()
        expect(page).to_have_url(re.compile(r"/orders/bulk/\d+/$"))
        expect(page.locator("#bulk-state")).to_have_text("Done")
        expect(page.locator("#bulk-succeeded")).to_have_text("1")
        expect(page.locator("#bulk-failed")).to_have_text("0")
        expect(page.locator(".bulk-replace-next")).to_contain_text(
            "the order's remains are placed on another panel once that panel confirms the cancel"
        )
        done = page.locator(".bulk-item")
        expect(done).to_have_count(1)
        expect(done).to_have_attribute("data-outcome", "done")
        expect(done).to_contain_text(f"#{order.pk}")
        expect(done).to_contain_text("Panel A")
        shots(page, artifacts, "stuck-result")

        # The cancel was taken; nothing is bought until A says what remains.
        bulk = BulkAction.objects.get()
        assert bulk.kind == BulkAction.Kind.REPLACE
        assert bulk.items.get().outcome == BulkItem.Outcome.DONE
        order.refresh_from_db()
        assert order.replace_remains == RemainsReplacement.ASKED
        assert Order.objects.count() == 1
        assert adds(sims["B"]) + adds(sims["C"]) == 0
        page.goto(f"{base}/orders/{order.pk}/")
        expect(page.locator("#stuck .stuck-remains")).to_have_text(
            "Cancel taken; the remains are re-placed once the panel confirms."
        )
        shots(page, artifacts, "stuck-order-asked")

        # The next status sync sees it Partial with 500 left: those go to B or C.
        orders_status_sync(panel=panels["A"])
        order.refresh_from_db()
        assert (order.status, order.remains) == (Status.PARTIAL, 500)
        assert order.replace_remains == RemainsReplacement.DONE
        new = Order.objects.exclude(pk=order.pk)
        assert new.count() == 1
        moved = new.get()
        assert moved.retry_of_id == order.pk
        assert moved.quantity == 500
        assert moved.link == LINK
        assert moved.panel_id in (panels["B"].pk, panels["C"].pk)
        assert moved.state == Order.State.PLACED  # eager Celery: sent at once
        target = sims["B"] if moved.panel_id == panels["B"].pk else sims["C"]
        assert [(o["link"], o["quantity"]) for o in target.orders()] == [(LINK, 500)]
        assert adds(sims["B"]) + adds(sims["C"]) == 1

        # The first order's page: the remains card names the new order and its panel.
        page.goto(f"{base}/orders/{order.pk}/")
        expect(card.locator("#stuck-title")).to_have_text("Remains")
        expect(card.locator(".stuck-remains")).to_have_text(
            f"Remains re-placed: order #{moved.pk} on {moved.panel.name}."
        )
        expect(page.locator("#order-replace")).to_have_count(0)  # nothing left to re-place
        shots(page, artifacts, "stuck-order-replaced")

        # The new order's page: 500, on the other panel.
        card.get_by_role("link", name=f"order #{moved.pk}").click()
        expect(page).to_have_url(f"{base}/orders/{moved.pk}/")
        facts = page.locator(".order-facts")
        expect(facts.locator("div", has=page.locator("dt", has_text="Quantity"))).to_contain_text(
            "500"
        )
        expect(facts.locator("div", has=page.locator("dt", has_text="Panel"))).to_contain_text(
            moved.panel.name
        )
        expect(page.locator(".order-route")).to_contain_text(
            f"Remains of order #{order.pk} (500 of 1000)."
        )
        shots(page, artifacts, "stuck-order-new")
    finally:
        page.context.close()
