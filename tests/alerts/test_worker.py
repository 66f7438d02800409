"""Alerts go out from a real Celery worker over Redis and PostgreSQL: receivers that are down
or answer 500 are retried with backoff and then logged as failed, and orders placed meanwhile
on a simulated panel are placed as usual."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import connection
from django.utils import timezone

from alerts.models import Channel, Delivery, Kind
from alerts.services.check import alerts_check
from orders.models import Order
from orders.services import order_create
from panels.models import Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import start_simulator
from tests.alerts.helpers import HttpReceiver, closed_port_url
from tests.factories import ChannelFactory, PanelFactory
from tests.workers import solo_worker, wait_for

KEY = "alerts-key"


@pytest.fixture
def panel(tmp_path, transactional_db) -> Iterator[Panel]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker shares the test database")
    sim = start_simulator(state_dir=tmp_path / "sim", keys=(KEY,), stage_seconds=0.3)
    created = panel_create(name="Working", api_url=sim.api_url(), api_key=KEY)
    catalog_sync(panel=created)
    yield created
    sim.stop()


@pytest.fixture
def worker(settings, panel) -> Iterator[None]:
    settings.PANEL_HTTP_RETRIES = 0
    settings.PANEL_ALLOW_HTTP = True
    settings.PANEL_ALLOW_PRIVATE_ADDRESSES = True
    settings.ALERTS_SEND_ATTEMPTS = 3
    settings.ALERTS_RETRY_BACKOFF = 0.2
    with solo_worker():
        yield


def test_dead_receivers_are_retried_then_failed_while_orders_are_placed(
    panel: Panel, worker: None, http_receiver: HttpReceiver
) -> None:
    http_receiver.failing = True
    erroring = ChannelFactory(name="Answers 500", secret=f"{http_receiver.url}/hook")
    down = ChannelFactory(name="Down", secret=f"{closed_port_url()}/hook")
    ChannelFactory(name="Other kinds", kinds=[Kind.STUCK])
    broken = PanelFactory(name="Broken")
    Panel.objects.filter(pk=broken.pk).update(
        health=Panel.Health.FAILING, failing_since=timezone.now()
    )

    alerts_check()  # queues one message per channel, sent by the worker on commit
    service = Service.objects.filter(panel=panel, type="default").first()
    assert service is not None
    orders = [
        order_create(
            service=service, values={"link": f"https://instagram.com/p/{n}", "quantity": 100}
        )
        for n in range(5)
    ]

    wait_for(lambda: Order.objects.filter(state=Order.State.PLACED).count() == len(orders))
    wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.FAILED).count() == 2)
    for channel in (erroring, down):
        delivery = Delivery.objects.get(channel=channel)
        assert delivery.attempts == 3
        assert delivery.reason.startswith("Failed after 3 tries: ")
    assert "error=500" in Delivery.objects.get(channel=erroring).reason
    assert "Connection refused" in Delivery.objects.get(channel=down).reason
    assert len(http_receiver.received) == 3
    assert not Delivery.objects.filter(channel__name="Other kinds").exists()
    assert Channel.objects.count() == 3


def test_a_working_receiver_gets_the_alert_once(
    panel: Panel, worker: None, http_receiver: HttpReceiver
) -> None:
    ChannelFactory(name="Ops", secret=f"{http_receiver.url}/hook")
    broken = PanelFactory(name="Broken")
    Panel.objects.filter(pk=broken.pk).update(
        health=Panel.Health.FAILING, failing_since=timezone.now(), last_error="HTTP 502"
    )

    alerts_check()
    alerts_check()
    wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.SENT).exists())
    time.sleep(0.5)  # anything the worker would still send

    [request] = http_receiver.received
    assert request.body["title"] == "Broken is failing"
    assert "Last error: HTTP 502" in request.body["message"]
