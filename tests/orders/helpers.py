"""Helpers for the order tests: valid values for every order type, placing an order now, and
reading a page as a person does."""

from __future__ import annotations

import html
import itertools
import re

from orders.models import Order
from orders.services import order_claim, order_create, order_dispatch
from panels.models import Panel, Service

KEY = "orders-key"
_links = itertools.count(1)


def service_of(panel: Panel, order_type: str, **flags: bool) -> Service:
    return Service.objects.filter(panel=panel, type=order_type, is_active=True, **flags).first()


def lines(prefix: str, count: int) -> str:
    return "\n".join(f"{prefix}{n}" for n in range(1, count + 1))


def values_for(service: Service) -> dict[str, object]:
    """Valid values for the service's type, within its limits, on a link never used before."""
    link = f"https://example.com/p/{next(_links)}"
    low = max(service.min_quantity, 1)
    values: dict[str, dict[str, object]] = {
        "default": {"link": link, "quantity": low},
        "package": {"link": link},
        "seo": {"link": link, "quantity": low, "keywords": "smm panel\nbest likes"},
        "custom_comments": {"link": link, "comments": lines("Great post ", low)},
        "custom_comments_package": {"link": link, "comments": lines("Nice ", 3)},
        "mentions": {"link": link, "quantity": low, "usernames": "alice\nbob"},
        "mentions_with_hashtags": {"link": link, "quantity": low, "usernames": "alice\nbob",
                                   "hashtags": "#one\n#two"},
        "mentions_custom_list": {"link": link, "usernames": lines("user", low)},
        "mentions_hashtag": {"link": link, "quantity": low, "hashtag": "#summer"},
        "mentions_user_followers": {"link": link, "quantity": low, "username": "natgeo"},
        "mentions_media_likers": {"link": link, "quantity": low,
                                  "media": "https://instagram.com/p/media1"},
        "comment_likes": {"link": link, "quantity": low, "username": "commenter"},
        "comment_replies": {"link": link, "username": "commenter",
                            "comments": lines("Reply ", low)},
        "poll": {"link": link, "quantity": low, "answer_number": 2},
        "invites_from_groups": {"link": link, "quantity": low, "groups": "group1\ngroup2"},
        "subscriptions": {"username": f"account{next(_links)}", "min": low,
                          "max": min(low * 2, service.max_quantity or low * 2), "posts": 3,
                          "delay": 30},
    }  # fmt: skip
    return dict(values[service.type])


def queue(panel: Panel, count: int = 1) -> list[Order]:
    """`count` orders of the panel's default service, queued as a form queues them."""
    service = service_of(panel, "default")
    return [order_create(service=service, values=values_for(service)) for _ in range(count)]


def place(service: Service, **overrides: object) -> Order:
    """Create, claim and send one order now (what the dispatch task does)."""
    order = order_create(service=service, values={**values_for(service), **overrides})
    assert order_claim(order_id=order.pk)
    order.refresh_from_db()
    return order_dispatch(order=order)


def svc(panel: Panel, remote_id: int | str) -> Service:
    """The panel's service by the panel's own id."""
    return Service.objects.get(panel=panel, remote_id=str(remote_id))


def text(page: str) -> str:
    """The page as a person reads it: tags dropped, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def adds(sim) -> int:
    """How many `add` calls reached the simulator."""
    return int(sim.stats()["requests"].get("add", 0))
