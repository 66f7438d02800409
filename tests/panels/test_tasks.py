"""Catalog and balance syncs run on a real Celery worker over the real broker (Redis)."""

from __future__ import annotations

import socket
import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_failure

from dashboard.celery import app as celery_app
from panels import services, tasks
from panels.models import Panel, Service
from panels.services import panel_create
from simulator import start_simulator


@pytest.fixture
def simulator(tmp_path):
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("good-key",), balance="42.50")
    yield handle
    handle.stop()


@pytest.fixture
def worker(settings):
    settings.PANEL_HTTP_BACKOFF = 0.01  # the worker runs in this process and reads these
    celery_app.control.purge()
    with start_worker(celery_app, perform_ping_check=False, loglevel="WARNING"):
        yield


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        time.sleep(0.2)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_syncs_every_panel_and_broken_panels_do_not_stop_the_others(simulator, worker):
    down = panel_create(
        name="Down", api_url=f"http://127.0.0.1:{closed_port()}/api/v2", api_key="any-key"
    )
    bad_key = panel_create(name="Bad key", api_url=simulator.api_url(), api_key="wrong-key")
    good = panel_create(name="Good", api_url=simulator.api_url(), api_key="good-key")

    tasks.catalog_sync_all.delay()
    tasks.balance_sync_all.delay()

    def settled() -> bool:
        states = {p.name: p for p in Panel.objects.all()}
        return (
            states["Good"].balance is not None
            and states["Good"].catalog_synced_at is not None
            and states["Bad key"].health == Panel.Health.FAILING
            and states["Down"].health == Panel.Health.FAILING
        )

    wait_for(settled)
    good.refresh_from_db()
    bad_key.refresh_from_db()
    down.refresh_from_db()
    assert good.health == Panel.Health.OK
    assert good.balance == Decimal("42.50")
    assert Service.objects.filter(panel=good, is_active=True).count() > 10
    assert "API key" in bad_key.last_error
    assert "could not connect" in down.last_error
    assert not Service.objects.filter(panel__in=[bad_key, down]).exists()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_task_for_a_deleted_panel_is_a_clean_no_op(simulator, worker):
    failures: list[str] = []

    def record(sender=None, exception=None, **kwargs):
        failures.append(f"{sender.name}: {exception!r}")

    task_failure.connect(record, weak=False)
    try:
        panel = panel_create(name="Gone", api_url=simulator.api_url(), api_key="good-key")
        panel_id = panel.pk
        panel.delete()
        probe = panel_create(name="Probe", api_url=simulator.api_url(), api_key="good-key")

        tasks.catalog_sync.delay(panel_id)
        tasks.balance_sync.delay(panel_id)
        tasks.balance_sync.delay(probe.pk)  # runs after the two above (one solo worker)
        wait_for(lambda: Panel.objects.get(pk=probe.pk).balance is not None)
    finally:
        task_failure.disconnect(record)

    assert failures == []
    assert simulator.stats()["requests"] == {"balance": 1}


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_balance_refreshes_makes_one_balance_call_on_a_worker(
    simulator, worker, settings
):
    settings.BALANCE_REFRESH_DELAY = 3  # the burst below takes far less than that
    panel = panel_create(name="Busy", api_url=simulator.api_url(), api_key="good-key")
    probe = panel_create(name="Probe", api_url=simulator.api_url(), api_key="good-key")

    for _ in range(50):  # what 50 orders placed in a row on one panel each ask for
        services.balance_refresh_soon(panel_ids=[panel.pk])
    # Due after any refresh the burst could have scheduled: once it ran, all of them have.
    tasks.balance_sync.apply_async((probe.pk,), countdown=settings.BALANCE_REFRESH_DELAY + 1)
    wait_for(lambda: Panel.objects.get(pk=probe.pk).balance is not None)

    assert Panel.objects.get(pk=panel.pk).balance == Decimal("42.50")
    assert simulator.stats()["requests"] == {"balance": 2}  # one for Busy, one for the probe
