"""The order list's counts per state and status, and of orders that need a person: one query,
each count agreeing with the list the filter would show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order
from orders.selectors import OrderFilters, order_status_counts
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db
State = Order.State


@pytest.fixture
def orders() -> None:
    panel, other = PanelFactory(), PanelFactory()
    service, elsewhere = ServiceFactory(panel=panel), ServiceFactory(panel=other)
    placed = {"service": service, "state": State.PLACED}
    OrderFactory(**placed, status="completed")
    OrderFactory(**placed, status="completed", attention="A late answer: bought twice?")
    OrderFactory(**placed, status="pending", attention="Placed again by hand")
    OrderFactory(service=service, state=State.UNKNOWN)  # needs a person by its state alone
    OrderFactory(service=service, state=State.QUEUED)
    OrderFactory(service=elsewhere, state=State.PLACED, status="completed", attention="x")


def test_raised_orders_count_with_their_state_and_status_in_one_query(orders) -> None:
    panel_id = Order.objects.filter(state=State.QUEUED).get().panel_id
    with CaptureQueriesContext(connection) as queries:
        counts = order_status_counts(filters=OrderFilters(panel_id=panel_id))
    assert len(queries) == 1
    assert counts.everything == 5
    assert counts.total(OrderFilters(attention=True)) == 3  # two raised, one unknown
    assert counts.total(OrderFilters(attention=True, status="completed")) == 1
    assert counts.per_state(OrderFilters(attention=True))[State.PLACED] == 2
    assert counts.per_status(OrderFilters()) == {"completed": 2, "pending": 1}


def test_every_count_matches_the_list_it_stands_for(orders) -> None:
    counts = order_status_counts(filters=OrderFilters())
    for state in State.values:
        for attention in (False, True):
            shown = Order.objects.filter(state=state)
            if attention and state != State.UNKNOWN:
                shown = shown.exclude(attention="")
            filters = OrderFilters(state=state, attention=attention)
            assert counts.total(filters) == shown.count(), (state, attention)
