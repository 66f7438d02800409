"""A panel that answers whatever a test decides, through the real client (`responses`), and
placed orders on it: for tests of answers that are malformed or out of range."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import responses

from orders.models import Order, Refill
from panels.api.normalise import RefillStatus, Status
from panels.models import Panel, Service
from tests.factories import PanelFactory, ServiceFactory

URL = "https://hostile-panel.example/api/v2"
Answer = Callable[[dict[str, str]], Any]

make_panel = partial(
    PanelFactory,
    name="Hostile",
    api_url=URL,
    api_key="hostile-key-0123456789",
    currency="USD",
    balance=Decimal("50.00"),
    supports_cancel=True,
)
make_service = partial(
    ServiceFactory, remote_id="1", name="Followers", rate=Decimal("0.9"), refill=True, cancel=True
)


def placed(
    panel: Panel, service: Service, count: int, *, status: str = Status.PENDING, first: int = 1
) -> list[Order]:
    """Placed orders with remote ids first..first+count-1 and known previous values."""
    orders = [
        Order(
            panel=panel,
            service=service,
            link=f"https://x.test/{n}",
            quantity=100,
            state=Order.State.PLACED,
            remote_id=str(n),
            status=status,
            status_raw=status,
            charge=Decimal("0.50"),
            remains=40,
            start_count=7,
            currency="USD",
        )
        for n in range(first, first + count)
    ]
    return Order.objects.bulk_create(orders)


def refills_of(orders: list[Order]) -> list[Refill]:
    return Refill.objects.bulk_create(
        Refill(
            order=o, remote_id=f"r{o.remote_id}", status=RefillStatus.PENDING, status_raw="Pending"
        )
        for o in orders
    )


def fields(request: Any) -> dict[str, str]:
    body = request.body
    text = body.decode() if isinstance(body, bytes) else str(body or "")
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def answer_with(mock: responses.RequestsMock, answer: Answer) -> None:
    """Every call to the panel is answered with `answer(fields)` as JSON (a str is sent as
    it is, so a test can send what json.dumps would not write)."""

    def reply(request: Any) -> tuple[int, dict[str, str], str]:
        body = answer(fields(request))
        text = body if isinstance(body, str) else json.dumps(body, default=str)
        return 200, {"Content-Type": "application/json"}, text

    mock.add_callback(responses.POST, URL, callback=reply)


def statuses_answer(entry: Callable[[str], Any]) -> Answer:
    """A `status` answer with `orders`: an object keyed by id, each entry from `entry(id)`."""
    return lambda f: {i: entry(i) for i in f["orders"].split(",")}


def good_status(order_id: str) -> dict[str, Any]:
    return {
        "status": "In progress",
        "charge": "0.27",
        "start_count": "100",
        "remains": "10",
        "currency": "USD",
    }
