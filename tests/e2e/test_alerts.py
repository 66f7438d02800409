"""Alerts in a real browser: add a webhook channel, send it a test message (and see the exact
error of one that is down), then make a simulated panel fail and find its alert in the log,
received by a local webhook receiver. Screenshots at desktop and phone width."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from alerts.models import Channel
from panels.api.errors import PanelUnreachable
from panels.models import Panel
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.alerts.helpers import HttpReceiver, closed_port_url
from tests.e2e.helpers import DESKTOP, PASSWORD, log_in, shots

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(tmp_path: Path, settings) -> Iterator[tuple[SimulatorHandle, Panel]]:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # the check's messages go out within the request
    settings.PANEL_ALLOW_HTTP = settings.PANEL_ALLOW_PRIVATE_ADDRESSES = True
    settings.PANEL_HTTP_RETRIES = 0
    settings.ALERTS_SEND_ATTEMPTS = 1
    sim = start_simulator(state_dir=tmp_path / "sim", keys=("k",))
    panel = panel_create(name="Sim Shop", api_url=sim.api_url(), api_key="k", timeout_seconds=2)
    catalog_sync(panel=panel)
    balance_sync(panel=panel)
    User.objects.create_user("alice", password=PASSWORD)
    yield sim, panel
    sim.stop()


def test_add_a_channel_test_it_and_see_a_failing_panels_alert(
    browser: Browser, live_server, shop, http_receiver: HttpReceiver, artifacts: Path
) -> None:
    sim, panel = shop
    base = live_server.url
    page = browser.new_context(viewport=DESKTOP).new_page()
    log_in(page, base, "/alerts/")
    expect(page.get_by_text("No channels yet")).to_be_visible()

    page.get_by_role("link", name="JSON webhook").click()
    expect(page.get_by_role("heading", name="New JSON webhook channel")).to_be_visible()
    page.get_by_label("Name").fill("Ops hook")
    page.get_by_label("Webhook URL").fill(f"{http_receiver.url}/hooks/ops")
    page.get_by_label("Panel failing for at least (minutes)").fill("0")
    page.get_by_label("Quiet hours from").fill("22:00")
    shots(page, artifacts, "alerts-channel-form")
    page.get_by_role("button", name="Add channel").click()
    # Half of the quiet hours is refused with the reason; nothing is saved.
    expect(page.get_by_text("Quiet hours need both a start and an end.")).to_be_visible()
    assert not Channel.objects.exists()
    page.get_by_label("Quiet hours from").fill("")
    page.get_by_label("Webhook URL").fill(f"{http_receiver.url}/hooks/ops")  # never shown again
    page.get_by_role("button", name="Add channel").click()
    expect(page.get_by_text("Channel “Ops hook” added.")).to_be_visible()

    row = page.locator("#channels tr", has_text="Ops hook")
    row.get_by_role("button", name="Send a test message").click()
    expect(page.get_by_text("Test message sent to “Ops hook”.")).to_be_visible()
    assert [r.body["title"] for r in http_receiver.received] == [
        "Test message from the SMM dashboard"
    ]

    Channel.objects.create(
        name="Dead hook", type=Channel.Type.WEBHOOK, secret=f"{closed_port_url()}/hook", kinds=[]
    )
    page.reload()
    page.locator("#channels tr", has_text="Dead hook").get_by_role(
        "button", name="Send a test message"
    ).click()
    expect(page.get_by_text("The test message to “Dead hook” failed:")).to_be_visible()
    expect(page.locator(".messages, [role=alert], .alert").first).to_contain_text(
        "Connection refused"
    )

    sim.go_down()
    with pytest.raises(PanelUnreachable):
        balance_sync(panel=panel)  # the panel cannot be reached: it is failing
    assert Panel.objects.get(pk=panel.pk).health == Panel.Health.FAILING
    page.get_by_role("button", name="Check now").click()

    log = page.locator("#alert-log")
    expect(log.get_by_text("Sim Shop is failing")).to_be_visible()
    expect(log.locator("tr", has_text="Sim Shop is failing").get_by_text("Sent")).to_be_visible()
    expect(page.locator(".alert-conditions")).to_contain_text("Sim Shop is failing")
    alert = http_receiver.received[-1]
    assert alert.path == "/hooks/ops"
    assert alert.body["title"] == "Sim Shop is failing"
    assert f"{live_server.url}" not in alert.body["message"]  # links use DASHBOARD_URL
    assert f"/panels/{panel.pk}/edit/" in alert.body["message"]
    shots(page, artifacts, "alerts-page")

    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Show").click()
    expect(log.get_by_text("Test message from the SMM dashboard")).to_be_visible()
    expect(log.get_by_text("Sim Shop is failing")).to_have_count(0)
