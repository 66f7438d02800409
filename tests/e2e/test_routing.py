"""Ordering an offer from the best panel in a real browser, against two simulated panels that
sell it: the form says where it goes and why, the cheapest panel refuses for want of funds,
and the order moves on to the other one, every step on its pages."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from orders.models import Order
from panels.models import Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in
from tests.e2e.test_sales import shots

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LIKES = "5"  # "Instagram Likes [Fast]" in the simulator's catalog


@pytest.fixture
def two_panels(tmp_path: Path, settings) -> Iterator[dict[str, Panel]]:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # dispatch runs inline, in the server
    settings.PANEL_HTTP_RETRIES = 0
    sims: list[SimulatorHandle] = []
    panels = {}
    for name in ("Dear SMM", "Cheap SMM"):
        sim = start_simulator(state_dir=tmp_path / name.split()[0], keys=("k",))
        sims.append(sim)
        panel = panel_create(name=name, api_url=sim.api_url(), api_key="k")
        catalog_sync(panel=panel)
        panels[name] = panel
    sims[1].set_balance("0")  # the cheap panel is out of funds, and we have not read it yet
    Panel.objects.update(currency="USD")  # what reading a balance would have told
    Service.objects.filter(panel=panels["Cheap SMM"], remote_id=LIKES).update(rate=Decimal("0.10"))
    User.objects.create_user("alice", password=PASSWORD)
    yield panels
    for sim in sims:
        sim.stop()


def test_best_panel_says_where_and_why_and_moves_on_when_refused(
    browser: Browser, live_server, two_panels: dict[str, Panel], artifacts: Path
) -> None:
    base = live_server.url
    dear = Service.objects.get(panel=two_panels["Dear SMM"], remote_id=LIKES)
    page = browser.new_context(viewport=DESKTOP).new_page()
    try:
        log_in(page, base, f"/orders/new/?service={dear.pk}")
        panel_box = page.locator("#route-fields")
        expect(panel_box).to_contain_text("Dear SMM, as picked")
        page.get_by_label("Link", exact=True).fill("https://instagram.com/p/routed")
        page.get_by_label("Quantity (per run with drip-feed)", exact=True).fill("2000")
        page.get_by_label("The best of the 2 panels selling this offer").check()
        reason = page.locator("#route-reason")
        expect(reason).to_contain_text("Goes to Cheap SMM: 0.20 USD, cheapest of 2")
        shots(page, artifacts, "order-best-panel", "order form with the panel choice scrolls")

        page.get_by_role("button", name="Place order").click()
        expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
        refused = Order.objects.get(pk=int(page.url.rstrip("/").rsplit("/", 1)[1]))
        moved = Order.objects.get(retry_of=refused)
        assert (refused.panel.name, refused.state) == ("Cheap SMM", Order.State.REJECTED)
        assert (moved.panel.name, moved.state) == ("Dear SMM", Order.State.PLACED)
        expect(page.locator("main")).to_contain_text(
            f"Refused by Cheap SMM (not enough funds); moved to Dear SMM as order #{moved.pk}."
        )
        page.get_by_role("link", name=f"order #{moved.pk}").first.click()
        expect(page.locator(".order-route")).to_contain_text(
            "Refused by Cheap SMM (not enough funds). Dear SMM: 0.30 USD, the only one that "
            "can take it; Cheap SMM skipped: already tried for this order"
        )
        shots(page, artifacts, "order-routed", "routed order page scrolls")
    finally:
        page.context.close()
