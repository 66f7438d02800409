"""Reads for the bulk pages: a bulk action's items by outcome and their counts, refills by
panel and status."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.bulk_selectors import (
    bulk_items,
    bulk_outcome_counts,
    refill_panel_choices,
    refill_search,
)
from orders.models import BulkAction, BulkItem, Order, Refill
from panels.models import Panel, Service

pytestmark = pytest.mark.django_db
Outcome = BulkItem.Outcome


def orders_of(name: str, count: int) -> list[Order]:
    panel = Panel(name=name, api_url="https://panel.example/api/v2")
    panel.api_key = "k"
    panel.save()
    service = Service.objects.create(panel=panel, remote_id="1", name="Likes", rate=Decimal("1"))
    return [
        Order.objects.create(panel=panel, service=service, link=f"https://x.test/{n}", quantity=100)
        for n in range(count)
    ]


def test_every_outcome_is_counted_even_when_none_has_it() -> None:
    orders = orders_of("Alpha", 4)
    bulk = BulkAction.objects.create(kind=BulkAction.Kind.REFILL)
    for order, outcome in zip(
        orders, [Outcome.DONE, Outcome.DONE, Outcome.UNKNOWN, Outcome.SKIPPED], strict=True
    ):
        BulkItem.objects.create(bulk=bulk, order=order, outcome=outcome)

    counts = bulk_outcome_counts(bulk=bulk)

    assert counts == {
        Outcome.SKIPPED: 1,
        Outcome.PENDING: 0,
        Outcome.DONE: 2,
        Outcome.REJECTED: 0,
        Outcome.UNKNOWN: 1,
        Outcome.NOT_SENT: 0,
    }
    assert [i.order_id for i in bulk_items(bulk=bulk)] == [o.pk for o in orders]
    assert [i.order_id for i in bulk_items(bulk=bulk, outcome=Outcome.DONE)] == [
        orders[0].pk,
        orders[1].pk,
    ]


@pytest.mark.parametrize(
    ("state", "finished"),
    [("queued", False), ("running", False), ("done", True), ("failed", True)],
)
def test_a_bulk_action_is_finished_once_done_or_failed(state: str, finished: bool) -> None:
    assert BulkAction(state=state).is_finished is finished


def test_refills_are_found_by_panel_and_status_newest_first() -> None:
    (alpha,) = orders_of("Alpha", 1)
    (beta,) = orders_of("Beta", 1)
    old = Refill.objects.create(order=alpha, remote_id="r1", status="completed")
    new = Refill.objects.create(order=alpha, remote_id="r2", status="pending")
    other = Refill.objects.create(order=beta, remote_id="r3", status="pending")

    assert list(refill_search()) == [other, new, old]
    assert list(refill_search(panel_id=alpha.panel_id)) == [new, old]
    assert list(refill_search(panel_id=alpha.panel_id, status="pending")) == [new]
    assert refill_panel_choices() == [(alpha.panel_id, "Alpha"), (beta.panel_id, "Beta")]
