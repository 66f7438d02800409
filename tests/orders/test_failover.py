"""Routed orders fail over only where nothing was bought, end to end: a real Celery worker over
Redis and PostgreSQL and three simulated panels selling the same offer.

A is out of funds, B no longer lists the service, C is healthy: an order routed to A (the
user prefers A, then B) is refused twice and ends placed at C, each step in the history, and
the panels' ledgers hold exactly one order. With A answering so that the outcome is unknown
instead, the order waits for a person and no `add` ever reaches B or C.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection

from orders.models import Order, OrderStatusChange
from orders.routing import Policy
from orders.services.failover import order_create_routed
from panels.api.errors import Reason
from panels.models import Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import start_simulator
from tests.simulator.helpers import logged
from tests.workers import solo_worker, wait_for

KEY = "failover-key"
REMOTE_ID = "5"  # "Instagram Likes [Fast]": the one likes offer of the catalog, on every panel
VALUES = {"link": "https://instagram.com/p/routed", "quantity": 1000}


@pytest.fixture
def panels(tmp_path, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker shares the test database")
    sims, found = {}, {}
    for name in ("A", "B", "C"):
        sims[name] = start_simulator(
            state_dir=tmp_path / name, keys=(KEY,), stage_seconds=0.3, log_requests=True
        )
        panel = panel_create(name=f"Panel {name}", api_url=sims[name].api_url(), api_key=KEY)
        catalog_sync(panel=panel)
        # Priced in USD, with balances not read: A's lack of funds is found by its refusal.
        Panel.objects.filter(pk=panel.pk).update(currency="USD")
        found[name] = panel
    yield sims, found
    for sim in sims.values():
        sim.stop()


@pytest.fixture
def worker(settings, panels):
    settings.PANEL_HTTP_BACKOFF = 0.01
    settings.PANEL_HTTP_RETRIES = 0
    with solo_worker():
        yield


def route_to_a(found: dict[str, Panel]) -> Order:
    offer = Service.objects.get(panel=found["A"], remote_id=REMOTE_ID).match_key
    assert offer  # the simulator's names are ones the matcher reads
    assert Service.objects.filter(match_key=offer).count() == 3
    order = order_create_routed(
        match_key=offer,
        values=VALUES,
        policy=Policy(preferred=frozenset({found["A"].pk, found["B"].pk})),
    )
    assert order.panel == found["A"]
    return order


def adds(sim) -> list:
    return sim.requests("add")


@pytest.mark.redis
def test_a_refused_order_moves_on_until_a_panel_places_it_once(panels, worker) -> None:
    sims, found = panels
    sims["A"].set_balance("0")
    sims["B"].remove_services([int(REMOTE_ID)])

    first = route_to_a(found)
    wait_for(lambda: Order.objects.filter(state=Order.State.PLACED).exists())

    chain = list(Order.objects.order_by("pk"))
    assert [(o.panel.name, o.state, o.error_reason) for o in chain] == [
        ("Panel A", Order.State.REJECTED, Reason.NOT_ENOUGH_FUNDS),
        ("Panel B", Order.State.REJECTED, Reason.INCORRECT_SERVICE_ID),
        ("Panel C", Order.State.PLACED, ""),
    ]
    assert [o.retry_of_id for o in chain] == [None, chain[0].pk, chain[1].pk]
    assert chain[2].route["tried"] == [found["A"].pk, found["B"].pk]
    notes = list(
        OrderStatusChange.objects.filter(order__in=chain[:2]).values_list("note", flat=True)
    )
    assert notes == [
        f"Refused by Panel A (not enough funds); moved to Panel B as order #{chain[1].pk}.",
        f"Refused by Panel B (service unknown or disabled); moved to Panel C as order "
        f"#{chain[2].pk}.",
    ]
    assert first.route["note"].startswith("Panel A: ")
    # One order bought in all: A and B refused theirs, C holds the one.
    assert (sims["A"].orders(), sims["B"].orders()) == ([], [])
    (bought,) = sims["C"].orders()
    assert str(bought["id"]) == chain[2].remote_id
    # Each panel logs a request a moment after its answer is out: wait for the three.
    assert [len(logged(sims[name], "add")) for name in "ABC"] == [1, 1, 1]


@pytest.mark.redis
def test_an_unknown_outcome_never_moves_on(panels, worker) -> None:
    sims, found = panels
    sims["A"].set_fault("http_502", actions=["add"])  # after the request: it may have placed

    route_to_a(found)
    wait_for(lambda: Order.objects.filter(state=Order.State.UNKNOWN).exists())
    time.sleep(1)  # anything the worker would still do after the answer

    assert Order.objects.count() == 1
    assert (len(logged(sims["A"], "add")), adds(sims["B"]), adds(sims["C"])) == (1, [], [])


def test_a_service_gone_while_routing_routes_the_order_again(panels, monkeypatch) -> None:
    """A catalog sync took the picked service off its panel between reading the offers and
    creating the order: the order goes to the next panel instead of being refused."""
    from orders.services import failover

    _sims, found = panels
    a_service = Service.objects.get(panel=found["A"], remote_id=REMOTE_ID)
    order_route = failover.order_route
    calls = []

    def sync_in_between(**kwargs):
        result = order_route(**kwargs)
        calls.append(kwargs["policy"])
        if len(calls) == 1:
            Service.objects.filter(pk=a_service.pk).update(is_active=False)
        return result

    monkeypatch.setattr(failover, "order_route", sync_in_between)
    order = order_create_routed(
        match_key=a_service.match_key,
        values=VALUES,
        policy=Policy(preferred=frozenset({found["A"].pk, found["B"].pk})),
    )

    assert order.panel == found["B"]
    assert len(calls) == 2
    assert found["A"].pk in calls[1].excluded
