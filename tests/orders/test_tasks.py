"""Order tasks: bounded sending per panel, the sweep, the reaper, and status sync fan-out."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from kombu.exceptions import OperationalError

from orders import tasks
from orders.models import BulkAction, Order
from orders.services import order_create
from panels.api.normalise import Status
from panels.api.options import longest_write_seconds
from panels.services import panel_create
from tests.orders.helpers import place, queue, service_of, values_for

State = Order.State


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_dispatch_sends_every_queued_order_of_the_panel(sim, panel):
    orders = queue(panel, 3)

    tasks.dispatch_panel(panel.pk)

    assert {o.state for o in Order.objects.filter(pk__in=[o.pk for o in orders])} == {State.PLACED}
    assert sim.stats()["requests"]["add"] == 3


def test_a_burst_wakes_a_dispatcher_for_the_panels_next_slot(sim, panel, settings, monkeypatch):
    """An upload wakes one dispatcher per panel: the first order it claims with more behind it
    wakes one more, so the panel's PANEL_MAX_CONCURRENCY slots all send."""
    woken: list[int] = []
    monkeypatch.setattr(tasks.dispatch_panel, "delay", woken.append)
    settings.PANEL_MAX_CONCURRENCY = 2
    queue(panel, 3)

    tasks.dispatch_panel(panel.pk)

    assert woken == [panel.pk]  # once, at the first claim: the woken one wakes the next
    assert sim.stats()["requests"]["add"] == 3

    settings.PANEL_MAX_CONCURRENCY = 1  # one slot: nobody to wake
    queue(panel, 3)
    tasks.dispatch_panel(panel.pk)
    assert woken == [panel.pk]

    settings.PANEL_MAX_CONCURRENCY = 2
    queue(panel, 1)  # nothing behind it
    tasks.dispatch_panel(panel.pk)
    assert woken == [panel.pk]


def test_a_dispatcher_hands_its_slot_on_after_its_share(sim, panel, settings, monkeypatch):
    """After HAND_ON_AFTER orders a dispatcher lets its slot go and queues itself again
    behind the tasks already waiting: with fewer worker processes than slots, the panels are
    served in turn instead of one panel's queue to its end."""
    requeued: list[int] = []
    monkeypatch.setattr(tasks.dispatch_panel, "delay", requeued.append)
    monkeypatch.setattr(tasks, "HAND_ON_AFTER", 3)
    settings.PANEL_MAX_CONCURRENCY = 1  # nobody to wake: every task queued is a hand-on
    orders = queue(panel, 5)

    tasks.dispatch_panel(panel.pk)

    states = [Order.objects.get(pk=order.pk).state for order in orders]
    assert states == [State.PLACED] * 3 + [State.QUEUED] * 2
    assert requeued == [panel.pk]
    assert cache.get(f"dispatch-slot:{panel.pk}:0") is None  # the next one can take it

    tasks.dispatch_panel(panel.pk)  # the queued task, its turn come
    assert set(Order.objects.values_list("state", flat=True)) == {State.PLACED}
    assert requeued == [panel.pk]  # none left: it did not queue itself again


def test_a_dispatchers_turn_also_ends_with_its_time(sim, panel, settings, monkeypatch):
    """However slow the panel, a turn ends after HAND_ON_SECONDS: well within the tasks' soft
    time limit, whose signal could otherwise land in the middle of a send."""
    requeued: list[int] = []
    monkeypatch.setattr(tasks.dispatch_panel, "delay", requeued.append)
    clock = iter(range(0, 10_000, 25))  # each look at the clock: 25 s later
    monkeypatch.setattr(tasks, "monotonic", lambda: float(next(clock)))
    settings.PANEL_MAX_CONCURRENCY = 1
    queue(panel, 5)

    tasks.dispatch_panel(panel.pk)

    placed = Order.objects.filter(state=State.PLACED).count()
    assert 0 < placed < 5  # 5 orders are far fewer than HAND_ON_AFTER: its time ended the turn
    assert requeued == [panel.pk]


def test_dispatchers_are_acknowledged_late():
    """A worker whose processes are all sending reserves no handed-on dispatcher: with the
    prefetch multiplier of 1, its running dispatchers, unacknowledged, fill its reservations."""
    from django.conf import settings as django_settings

    assert tasks.dispatch_panel.acks_late is True
    assert django_settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_with_the_broker_down_a_dispatcher_keeps_its_turn(
    sim, panel, settings, monkeypatch, caplog
):
    def broker_down(*args: object) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.dispatch_panel, "delay", broker_down)
    monkeypatch.setattr(tasks, "HAND_ON_AFTER", 2)
    settings.PANEL_MAX_CONCURRENCY = 1
    queue(panel, 5)

    tasks.dispatch_panel(panel.pk)

    assert set(Order.objects.values_list("state", flat=True)) == {State.PLACED}
    assert "could not hand panel" in caplog.text


def test_a_broker_that_is_down_does_not_stop_the_sending(sim, panel, monkeypatch, caplog):
    def broker_down(*args: object) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.dispatch_panel, "delay", broker_down)
    orders = queue(panel, 2)

    tasks.dispatch_panel(panel.pk)

    assert {o.state for o in Order.objects.filter(pk__in=[o.pk for o in orders])} == {State.PLACED}
    assert "could not wake another dispatcher" in caplog.text


def test_dispatch_waits_when_the_panels_slots_are_busy(sim, panel, settings):
    settings.PANEL_MAX_CONCURRENCY = 1
    (order,) = queue(panel)
    cache.add(f"dispatch-slot:{panel.pk}:0", 1)  # another worker is sending to this panel

    tasks.dispatch_panel(panel.pk)
    assert Order.objects.get(pk=order.pk).state == State.QUEUED
    assert sim.stats()["requests"].get("add", 0) == 0

    cache.delete(f"dispatch-slot:{panel.pk}:0")
    tasks.dispatch_panel(panel.pk)
    assert Order.objects.get(pk=order.pk).state == State.PLACED
    assert cache.get(f"dispatch-slot:{panel.pk}:0") is None  # released after use


def test_a_dead_senders_slot_frees_itself_when_its_lease_runs_out(
    sim, panel, settings, monkeypatch
):
    """A worker killed mid-send never frees its slot: the lease does, after one send's time."""
    settings.PANEL_MAX_CONCURRENCY = 1
    monkeypatch.setattr(tasks, "slot_lease_seconds", lambda panel: 1)
    assert tasks._take_slot(panel.pk, 1) is not None  # the dead worker's
    (order,) = queue(panel)

    tasks.dispatch_panel(panel.pk)
    assert Order.objects.get(pk=order.pk).state == State.QUEUED

    time.sleep(1.5)
    tasks.dispatch_panel(panel.pk)
    assert Order.objects.get(pk=order.pk).state == State.PLACED


def test_the_lease_covers_the_longest_send_at_the_panels_own_deadline(panel, settings):
    panel.timeout_seconds = 60
    settings.PANEL_HTTP_RETRIES = 2  # two more tries while the connection never opens

    lease = tasks.slot_lease_seconds(panel)

    # three attempts that each end by the 60 s deadline, and the pauses between them
    longest = longest_write_seconds(panel.client_options())
    assert longest >= 3 * 60
    assert longest < lease <= longest + 10
    settings.PANEL_HTTP_RETRIES = 0
    panel.timeout_seconds = 5
    assert tasks.slot_lease_seconds(panel) < 30  # not minutes: a dead worker's slot comes back


def test_a_slot_that_cannot_be_freed_is_left_to_its_lease(sim, panel, monkeypatch, caplog):
    (order,) = queue(panel)

    def redis_down(key: str) -> None:
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(tasks.cache, "delete", redis_down)
    tasks.dispatch_panel(panel.pk)

    assert Order.objects.get(pk=order.pk).state == State.PLACED
    assert "expires with its lease" in caplog.text


def test_the_sweep_only_wakes_panels_with_due_orders(sim, panel, settings, monkeypatch):
    woken: list[int] = []
    monkeypatch.setattr(tasks.dispatch_panel, "delay", woken.append)
    other = panel_create(name="Other", api_url=sim.api_url(), api_key="orders-key")
    later = queue(panel, 2)
    pks = [o.pk for o in later]
    Order.objects.filter(pk__in=pks).update(next_attempt_at=timezone.now() + timedelta(hours=1))

    tasks.dispatch_queued_all()
    assert woken == []

    Order.objects.filter(pk__in=pks).update(next_attempt_at=timezone.now())
    tasks.dispatch_queued_all()
    assert woken == [panel.pk]  # once per panel, not once per order
    assert other.pk not in woken


def test_with_the_broker_down_an_order_is_saved_and_the_sweep_sends_it(
    sim, panel, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args: object) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    monkeypatch.setattr(tasks.dispatch_panel, "delay", broker_down)
    service = service_of(panel, "default")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_create(service=service, values=values_for(service))  # no error

    assert Order.objects.get(pk=order.pk).state == State.QUEUED
    woken: list[int] = []
    monkeypatch.setattr(tasks.dispatch_panel, "delay", woken.append)
    tasks.dispatch_queued_all()
    assert woken == [panel.pk]


def test_the_sweep_starts_a_bulk_action_whose_task_never_came(
    sim, panel, monkeypatch, django_capture_on_commit_callbacks
):
    started: list[int] = []
    monkeypatch.setattr(tasks.bulk_run, "delay", started.append)
    fresh = BulkAction.objects.create(kind=BulkAction.Kind.REFILL)
    stale = BulkAction.objects.create(kind=BulkAction.Kind.REFILL)
    done = BulkAction.objects.create(kind=BulkAction.Kind.REFILL, state=BulkAction.State.DONE)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    BulkAction.objects.filter(pk__in=[stale.pk, done.pk]).update(created_at=an_hour_ago)

    tasks.dispatch_queued_all()

    assert started == [stale.pk]
    assert fresh.pk not in started


def test_the_reaper_task_marks_stuck_orders_unknown(sim, panel):
    (order,) = queue(panel)
    Order.objects.filter(pk=order.pk).update(
        state=State.SUBMITTING, submitted_at=timezone.now() - timedelta(hours=1)
    )

    tasks.reap_stuck_orders()

    assert Order.objects.get(pk=order.pk).state == State.UNKNOWN


def test_status_sync_fans_out_and_a_broken_panel_does_not_stop_the_others(sim, panel, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    good = place(service_of(panel, "default"))
    broken = panel_create(name="Broken", api_url=sim.api_url(), api_key="wrong")
    Order.objects.create(
        panel=broken,
        service=good.service,
        quantity=1,
        state=State.PLACED,
        remote_id="77",
        status=Status.PENDING,
    )
    sim.advance(15)

    tasks.status_sync_all()

    assert Order.objects.get(pk=good.pk).status == Status.IN_PROGRESS
    broken.refresh_from_db()
    assert broken.health == broken.Health.FAILING
