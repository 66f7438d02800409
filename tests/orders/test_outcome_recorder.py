"""A dispatcher writes each order's outcome down while it sends the next: in a thread and a
database connection of its own on PostgreSQL, one outcome waiting at most, all written before
it lets go; in line inside a transaction. What a dispatcher reads once per round (the panel,
the services) and how often it renews its sending slot."""

from __future__ import annotations

import threading

import pytest
from django.db import OperationalError, connection, transaction

from orders import tasks
from orders.models import Order
from orders.services import OutcomeRecorder, PanelQueue, order_send, placement
from orders.services import claim as claim_module
from panels.models import Panel
from tests.orders.helpers import queue
from tests.workers import wait_for

State = Order.State


def database_sessions() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.fixture
def needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("outcomes are written in a thread of their own on PostgreSQL only")


@pytest.fixture
def recorded_in(monkeypatch):
    """The name of the thread each outcome was written in, by order id."""
    threads: dict[int, str] = {}
    record = placement.Outcome.record

    def noted(outcome):
        threads[outcome.order.pk] = threading.current_thread().name
        return record(outcome)

    monkeypatch.setattr(placement.Outcome, "record", noted)
    return threads


@pytest.mark.django_db(transaction=True)
def test_outcomes_are_written_in_a_thread_of_their_own_and_all_before_the_round_ends(
    sim, panel, monkeypatch, needs_postgresql, recorded_in
):
    monkeypatch.setattr(tasks.dispatch_panel, "delay", lambda *args: None)
    orders = queue(panel, 5)
    sessions = database_sessions()

    tasks.dispatch_panel(panel.pk)

    assert set(Order.objects.values_list("state", flat=True)) == {State.PLACED}
    assert set(recorded_in) == {order.pk for order in orders}
    here = threading.current_thread().name
    assert here not in recorded_in.values()
    assert all(name.startswith("outcomes") for name in recorded_in.values())
    # The recording thread's connection is closed with it.
    wait_for(lambda: database_sessions() == sessions)


def test_inside_a_transaction_outcomes_are_written_in_line(sim, panel, recorded_in):
    """The test's transaction: a second connection could not see its orders."""
    orders = queue(panel, 2)
    assert connection.in_atomic_block

    with OutcomeRecorder() as recorder:
        for order in orders:
            assert claim_module.order_claim(order_id=order.pk)
            recorder.record(order_send(order=Order.objects.get(pk=order.pk)))
            assert Order.objects.get(pk=order.pk).state == State.PLACED  # already written

    assert set(recorded_in.values()) == {threading.current_thread().name}


@pytest.mark.django_db(transaction=True)
def test_one_outcome_at_most_waits_to_be_written(sim, panel, monkeypatch, needs_postgresql):
    """The next outcome is handed over only once the one before it is written: a slow
    database slows sending down instead of piling outcomes up."""
    first, second = queue(panel, 2)
    release = threading.Event()
    started = threading.Event()
    record = placement.Outcome.record

    def slow(outcome):
        if outcome.order.pk == first.pk:
            started.set()
            assert release.wait(30)
        return record(outcome)

    monkeypatch.setattr(placement.Outcome, "record", slow)
    handed_over = threading.Event()

    def dispatcher():
        with OutcomeRecorder() as recorder:
            for order in (first, second):
                assert claim_module.order_claim(order_id=order.pk)
                recorder.record(order_send(order=Order.objects.get(pk=order.pk)))
            handed_over.set()
        transaction.get_connection().close()

    thread = threading.Thread(target=dispatcher)
    thread.start()
    assert started.wait(30)
    # The first outcome is being written, so the second is not handed over.
    assert not handed_over.wait(0.5)
    assert Order.objects.get(pk=second.pk).state == State.SUBMITTING  # sent, not yet written
    release.set()
    thread.join(30)
    assert handed_over.is_set()
    assert set(Order.objects.values_list("state", flat=True)) == {State.PLACED}


@pytest.mark.django_db(transaction=True)
def test_the_queue_reads_its_panel_again_after_a_while(sim, panel, monkeypatch, needs_postgresql):
    """An edited panel (its key, say) is sent with from the next order after a short while,
    not at the dispatcher's next round."""
    first, _second, third = queue(panel, 3)
    now = [1000.0]
    monkeypatch.setattr(claim_module, "monotonic", lambda: now[0])
    panel_queue = PanelQueue(Panel.objects.get(pk=panel.pk))

    claimed = panel_queue.claim_next()
    assert claimed.pk == first.pk
    assert claimed.panel.name == panel.name
    Panel.objects.filter(pk=panel.pk).update(name="Renamed")
    assert panel_queue.claim_next().panel.name == panel.name  # within PANEL_FRESH_SECONDS
    now[0] += claim_module.PANEL_FRESH_SECONDS + 1
    last = panel_queue.claim_next()
    assert last.pk == third.pk
    assert last.panel.name == "Renamed"
    assert last.service.remote_id == first.service.remote_id
    assert last.state == State.SUBMITTING
    assert last.submitted_at is not None


def test_the_slot_is_renewed_before_a_send_only_when_its_lease_could_run_short(
    sim, panel, monkeypatch
):
    monkeypatch.setattr(tasks.dispatch_panel, "delay", lambda *args: None)
    touched: list[str] = []
    monkeypatch.setattr(tasks.cache, "touch", lambda key, timeout: touched.append(key) or True)
    queue(panel, 4)
    tasks.dispatch_panel(panel.pk)
    assert len(touched) == 1  # the sends took well under SLOT_GRACE / 2

    monkeypatch.setattr(tasks, "HAND_ON_SECONDS", 10**6)  # the turn is not what ends here
    clock = iter(range(0, 10_000, tasks.SLOT_GRACE))  # every look at the clock: a lease later
    monkeypatch.setattr(tasks, "monotonic", lambda: float(next(clock)))
    touched.clear()
    queue(panel, 4)
    tasks.dispatch_panel(panel.pk)
    assert len(touched) == 5  # before each of the 4 sends, and before finding none left


@pytest.mark.django_db(transaction=True)
def test_a_claim_that_fails_after_a_send_still_writes_that_sends_outcome(
    sim, panel, monkeypatch, needs_postgresql
):
    """The next order is claimed before the last one's outcome is handed over: if the claim
    fails (the database blinked), the panel's answer is written all the same."""
    monkeypatch.setattr(tasks.dispatch_panel, "delay", lambda *args: None)
    first, second = queue(panel, 2)
    claim_next = PanelQueue.claim_next
    calls = []

    def blinking(self):
        calls.append(1)
        if len(calls) == 2:
            raise OperationalError("the connection was lost")
        return claim_next(self)

    monkeypatch.setattr(PanelQueue, "claim_next", blinking)
    with pytest.raises(OperationalError):
        tasks.dispatch_panel(panel.pk)

    assert Order.objects.get(pk=first.pk).state == State.PLACED
    assert Order.objects.get(pk=second.pk).state == State.QUEUED
