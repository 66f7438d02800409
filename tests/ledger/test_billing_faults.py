"""Billing faults end to end: a real Celery worker over Redis and PostgreSQL places orders on
three simulated panels — one clean, one that miscounts custom comments (`billing_charge`),
one that debits a drip-feed order's units as money (`billing_debit`) — follows them to the end
and reads the balances between batches; the reconciliation task then checks every interval.

Exactly the faulty things are flagged: on the debit panel the one interval holding the
drip-feed order, with that order; on the charge panel no interval (the balance follows the
wrong charge) but the comments order's charge misses its estimate; on the clean panel
nothing at all.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from ledger import tasks as ledger_tasks
from ledger.models import BalanceCheck
from ledger.selectors import check_orders
from orders import tasks as order_tasks
from orders.models import Order
from orders.services import order_create
from panels import tasks as panel_tasks
from panels.api.normalise import Status
from panels.models import BalanceReading, Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import start_simulator
from tests.workers import solo_worker, wait_for

KEY = "ledger-key"
KINDS = ("clean", "billing_charge", "billing_debit")
COMMENTS = "\n".join(f"Lovely shot #{n}" for n in range(6))


@pytest.fixture
def panels(tmp_path, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker shares the test database")
    sims, found = [], {}
    for kind in KINDS:
        sim = start_simulator(
            state_dir=tmp_path / kind, keys=(KEY,), stage_seconds=0.3, balance="1000"
        )
        if kind != "clean":
            sim.set_fault(kind)  # on every `add` from now on
        sims.append(sim)
        panel = panel_create(name=kind, api_url=sim.api_url(), api_key=KEY)
        catalog_sync(panel=panel)
        found[kind] = panel
    yield found
    for sim in sims:
        sim.stop()


@pytest.fixture
def worker(settings, panels):
    settings.PANEL_HTTP_BACKOFF = 0.01
    # Only the readings this test takes: no refresh after placing lands between its steps.
    settings.BALANCE_REFRESH_DELAY = 3600
    with solo_worker():
        yield


def read_balances(count: int) -> None:
    """One more balance reading of every panel, through the worker."""
    panel_tasks.balance_sync_all.delay()
    wait_for(lambda: BalanceReading.objects.count() == count * len(KINDS))


def place(orders: list[tuple[str, dict[str, object]]]) -> None:
    """The same orders on every panel (by the panel's service id), sent by the worker and
    followed by its status sync until each has ended."""
    for panel in Panel.objects.all():
        for remote_id, values in orders:
            service = Service.objects.get(panel=panel, remote_id=remote_id)
            order_create(service=service, values=values)

    def ended() -> bool:
        open_orders = Order.objects.exclude(state=Order.State.PLACED, status__in=Status.FINAL)
        return not open_orders.exists()

    wait_for(ended, poke=order_tasks.status_sync_all.delay, every=0.4)


@pytest.mark.redis
def test_exactly_the_faulty_orders_and_intervals_are_flagged(panels, worker):
    read_balances(1)
    place(
        [
            ("4", {"link": "https://instagram.com/p/one", "quantity": 1000}),
            ("4", {"link": "https://instagram.com/p/two", "quantity": 2000}),
        ]
    )
    read_balances(2)
    place([("5", {"link": "https://instagram.com/p/drip", "quantity": 50, "runs": 10,
                  "interval": 5})])  # fmt: skip
    read_balances(3)
    place(
        [
            ("7", {"link": "https://instagram.com/p/talk", "comments": COMMENTS}),
            ("4", {"link": "https://instagram.com/p/five", "quantity": 400}),  # ends partial
        ]
    )
    read_balances(4)

    ledger_tasks.reconcile_all.delay()
    wait_for(lambda: BalanceCheck.objects.count() == 3 * len(KINDS))

    flagged = BalanceCheck.objects.filter(result=BalanceCheck.Result.FLAGGED)
    (debit_flag,) = flagged  # the clean and the charge panels show none
    drip = Order.objects.get(panel=panels["billing_debit"], runs=10)
    assert debit_flag.panel == panels["billing_debit"]
    assert debit_flag.started_at < drip.placed_at <= debit_flag.ended_at
    assert debit_flag.difference == -(Decimal(500) - Decimal("0.075"))  # 500 taken for 0.075
    assert [o.pk for o in check_orders(check=debit_flag)] == [drip.pk]
    assert BalanceCheck.objects.exclude(result__in=["ok", "flagged"]).count() == 0

    # The charge fault: the balance adds up, the order's charge does not match its estimate.
    missed = [
        o.order_type
        for o in Order.objects.filter(panel=panels["billing_charge"])
        if o.charge != o.estimated_cost
    ]
    assert missed == ["custom_comments"]
    comments = Order.objects.get(panel=panels["billing_charge"], order_type="custom_comments")
    assert (comments.charge, comments.estimated_cost) == (Decimal("0.012"), Decimal("0.072"))
    for panel in panels.values():  # every panel refunded its partial order, and it counted
        partial = Order.objects.get(panel=panel, status=Status.PARTIAL)
        assert partial.refund == Decimal("0.045")  # the panel lowered 0.18 to 0.135
        assert partial.charge == Decimal("0.18")  # what it took
