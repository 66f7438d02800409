"""The order list's counts per state and status, and of orders that need a person: one query,
each count agreeing with the list the filter would show; exact up to the cap, "more than" past
it, and never read from more rows than the cap allows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import counting
from orders.list_counts import order_list_counts
from orders.models import Order
from orders.selectors import OrderFilters
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


def counted(filters: OrderFilters) -> int:
    """How many orders the list shows with these filters, counted the slow way."""
    from orders.selectors import order_search

    return order_search(filters=filters).count()


def test_raised_orders_count_with_their_state_and_status_in_one_query(orders) -> None:
    panel_id = Order.objects.filter(state=State.QUEUED).get().panel_id
    with CaptureQueriesContext(connection) as queries:
        counts = order_list_counts(filters=OrderFilters(panel_id=panel_id, attention=True))
    assert len(queries) == 1
    assert counts.everything == 5
    assert counts.total == 3  # two raised, one unknown
    assert counts.per_state[State.PLACED] == 2
    assert counts.per_status == {"completed": 1, "pending": 1}
    assert not counts.capped


@pytest.mark.parametrize("cap", [1000, 2], ids=["exact", "capped"])
def test_every_count_matches_the_list_it_stands_for(orders, monkeypatch, cap: int) -> None:
    """Exact (every count from the orders read once), and past the cap (each (state, status)
    pair counted on its own): the same numbers, "more than 2" where there are more."""
    monkeypatch.setattr(counting, "COUNT_CAP", cap)
    for state in ("", *State.values):
        for status in ("", "completed", "pending"):
            for attention in (False, True):
                filters = OrderFilters(state=state, status=status, attention=attention)
                counts = order_list_counts(filters=filters)
                expected = counted(filters)
                assert counts.total == expected if expected <= cap else counts.total > cap
                for each in State.values:
                    shown = counts.per_state[each]
                    real = counted(OrderFilters(state=each, status=status, attention=attention))
                    assert shown == real if real <= cap else shown > cap, (filters, each)


def test_past_the_cap_the_counts_say_more_than_it(orders, monkeypatch) -> None:
    monkeypatch.setattr(counting, "COUNT_CAP", 3)
    counts = order_list_counts(filters=OrderFilters())
    assert counts.capped
    assert counting.is_capped(counts.total)  # 6 orders: "more than 3"
    assert counting.count_text(counts.total) == "3+"
    assert counts.per_state[State.PLACED] > 3  # 4 of them
    assert counts.per_state[State.QUEUED] == 1  # small counts stay exact
    assert counts.per_status == {"completed": 3, "pending": 1}  # up to the cap: exact


def test_a_filter_no_index_serves_gives_the_total_alone_past_the_cap(orders, monkeypatch) -> None:
    """Counting each state under a search would read every order of each state: past the cap
    only the list's total is counted (up to the cap too), and the page says so."""
    monkeypatch.setattr(counting, "COUNT_CAP", 2)
    Order.objects.update(link="https://instagram.com/p/same/")
    counts = order_list_counts(filters=OrderFilters(q="same"))
    assert counts.total > 2
    assert counts.per_state is None
    assert counts.per_status is None
    # below the cap, a search is counted per state as ever
    one = order_list_counts(filters=OrderFilters(q="same", state=State.QUEUED))
    assert one.total == 1
    monkeypatch.setattr(counting, "COUNT_CAP", 100)
    assert order_list_counts(filters=OrderFilters(q="same")).per_state[State.PLACED] == 4


@pytest.mark.parametrize(
    "filters",
    [OrderFilters(), OrderFilters(state=State.PLACED, status="completed"), OrderFilters(q="x")],
    ids=["all", "state and status", "search"],
)
def test_the_counts_are_one_query_on_either_side_of_the_cap(
    orders, monkeypatch, filters: OrderFilters
) -> None:
    for cap in (1000, 1):
        monkeypatch.setattr(counting, "COUNT_CAP", cap)
        with CaptureQueriesContext(connection) as queries:
            order_list_counts(filters=filters)
        assert len(queries) == 1, cap


@pytest.mark.parametrize("cap", [1000, 2], ids=["exact", "capped"])
def test_a_date_filter_counts_only_its_days_on_either_side_of_the_cap(
    orders, monkeypatch, cap: int
) -> None:
    """A date filter reads its orders in the order of the date index (they sit together in
    the table): the same counts as the list, exact up to the cap."""
    from datetime import timedelta

    from django.utils import timezone

    monkeypatch.setattr(counting, "COUNT_CAP", cap)
    old = Order.objects.order_by("pk")[:2]
    Order.objects.filter(pk__in=[o.pk for o in old]).update(
        created_at=timezone.now() - timedelta(days=40)
    )
    today = timezone.localdate()
    for filters in (
        OrderFilters(date_from=today - timedelta(days=30)),
        OrderFilters(date_to=today - timedelta(days=31)),
        OrderFilters(date_from=today - timedelta(days=30), state=State.PLACED),
    ):
        counts = order_list_counts(filters=filters)
        expected = counted(filters)
        assert counts.total == expected if expected <= cap else counts.total > cap, filters
        for state in State.values:
            real = counted(
                OrderFilters(date_from=filters.date_from, date_to=filters.date_to, state=state)
            )
            shown = counts.per_state[state]
            assert shown == real if real <= cap else shown > cap, (filters, state)
