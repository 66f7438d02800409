"""Two status syncs of one panel at once (a slow panel, a new sync queued every few minutes)
write the same orders: they must queue behind each other, never deadlock.

Sync A sees order 1 move on and order 2 unchanged; sync B the other way round (each read the
panel at a slightly different moment). Each writes its changed order, then the other's
checked time: written in whatever order their statements visit the rows, each would hold a
row the other waits for, and PostgreSQL would abort one ("deadlock detected"), out of the
task. Both are held right after their first write until the other got there too (or a
moment passed, when the other is already waiting its turn).
"""

from __future__ import annotations

import contextlib
import threading

import pytest
import responses
from django.db import connection

import orders.services.status as status_module
from orders.models import Order
from orders.services import orders_status_sync
from panels.api.normalise import Status
from tests.orders.hostile import answer_with, good_status, make_panel, make_service, placed

UNCHANGED = {"status": "Pending", "charge": "0.50", "start_count": "7", "remains": "40",
             "currency": "USD"}  # fmt: skip
HELD_SECONDS = 3


@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_panel_at_once_both_write(settings, monkeypatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite writes one at a time")
    settings.PANEL_HTTP_RETRIES = 0
    panel = make_panel()
    placed(panel, make_service(panel=panel), 2)  # remote ids "1" and "2"
    changed = {"A": "1", "B": "2"}
    both = threading.Barrier(2, timeout=HELD_SECONDS)
    write = status_module.bulk_update_rows

    def write_then_hold(*args, **kwargs):
        written = write(*args, **kwargs)
        if threading.current_thread().name in changed:
            # Broken after HELD_SECONDS when the other sync waits for our locks instead.
            with contextlib.suppress(threading.BrokenBarrierError):
                both.wait()
        return written

    errors: dict[str, BaseException] = {}

    def sync(name: str) -> None:
        try:
            orders_status_sync(panel=panel)
        except BaseException as exc:
            errors[name] = exc
        finally:
            connection.close()

    def entry(remote_id: str) -> dict:
        mine = changed.get(threading.current_thread().name)
        return good_status(remote_id) if mine == remote_id else UNCHANGED

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_with(mock, lambda f: {i: entry(i) for i in f["orders"].split(",")})
        orders_status_sync(panel=panel)  # both orders as UNCHANGED says, first
        monkeypatch.setattr(status_module, "bulk_update_rows", write_then_hold)
        threads = [threading.Thread(target=sync, args=(n,), name=n) for n in changed]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    assert errors == {}, {name: repr(exc) for name, exc in errors.items()}
    # Each order as the sync that saw it change wrote it: the other only touched its time.
    statuses = dict(Order.objects.values_list("remote_id", "status"))
    assert statuses == {"1": Status.IN_PROGRESS, "2": Status.IN_PROGRESS}


@pytest.mark.django_db(transaction=True)
def test_a_slow_sync_does_not_write_back_what_a_later_one_saw(settings) -> None:
    """A scheduled sync asks a slow panel; meanwhile a person's Refresh sees the order canceled
    and writes it (its refund, its end). When the slow answer ("in progress") arrives, it is
    older than what is written: the order stays canceled."""
    settings.PANEL_HTTP_RETRIES = 0
    panel = make_panel()
    (order,) = placed(panel, make_service(panel=panel), 1, status=Status.IN_PROGRESS)
    canceled = {**UNCHANGED, "status": "Canceled", "charge": "0", "remains": "100"}
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            orders_status_sync(panel=panel)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    def entry(remote_id: str) -> dict:
        if threading.current_thread().name == "refresh":
            return canceled
        person = threading.Thread(target=refresh, name="refresh")
        person.start()  # the slow sync's answer comes after the Refresh wrote its own
        person.join(30)
        return good_status(remote_id)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        answer_with(mock, lambda f: {i: entry(i) for i in f["orders"].split(",")})
        orders_status_sync(panel=panel)

    assert errors == []
    order.refresh_from_db()
    assert (order.status, order.remains) == (Status.CANCELED, 100)
    assert order.finished_at is not None
    assert list(order.status_changes.values_list("status", flat=True)) == [Status.CANCELED]
