"""Many dispatchers on real worker threads, one panel: never more sends at once than the panel
allows, and every slot used (the simulator counts the adds in flight per API key)."""

from __future__ import annotations

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from dashboard.celery import app as celery_app
from orders import tasks
from orders.models import Order
from orders.services import order_create
from tests.orders.helpers import KEY, service_of, values_for
from tests.workers import wait_for

ORDERS = 16


@pytest.mark.django_db(transaction=True)
def test_many_dispatchers_send_at_most_the_panels_limit_at_once(sim, panel, settings):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker's threads share the test database")
    settings.PANEL_MAX_CONCURRENCY = 2
    sim.set_fault("latency", latency_ms=150, actions=["add"])
    service = service_of(panel, "default")
    celery_app.control.purge()

    with start_worker(
        celery_app, pool="threads", concurrency=6, perform_ping_check=False, loglevel="WARNING"
    ):
        for _ in range(ORDERS):
            order_create(service=service, values=values_for(service))  # each wakes one
        for _ in range(4):
            tasks.dispatch_panel.delay(panel.pk)  # and more dispatchers than slots
        wait_for(lambda: Order.objects.filter(state=Order.State.PLACED).count() == ORDERS)

    assert sim.most_in_flight("add") == {KEY: 2}
    assert len(sim.orders()) == ORDERS
