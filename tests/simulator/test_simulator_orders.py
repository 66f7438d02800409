"""`add` rules per order type, progress over simulated time, cancel and refill rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from simulator import SimulatorHandle
from simulator.catalog import SERVICES, TYPE_RULES
from tests.simulator.helpers import STAGE, Api

LINK = "https://instagram.com/p/abc"

# A valid `add` for one service of every type (service id, fields).
VALID_ADDS: dict[str, tuple[int, dict[str, Any]]] = {
    "Default": (1, {"link": LINK, "quantity": 100}),
    "Package": (6, {"link": LINK}),
    "SEO": (30, {"link": LINK, "quantity": 1000, "keywords": "smm\nbest panel"}),
    "Custom Comments": (7, {"link": LINK, "comments": "nice\ngreat\nwow\ncool\nlove"}),
    "Custom Comments Package": (8, {"link": LINK, "comments": "a\nb"}),
    "Mentions": (9, {"link": LINK, "quantity": 100, "usernames": "alice\nbob"}),
    "Mentions with Hashtags": (
        10,
        {"link": LINK, "quantity": 100, "usernames": "alice", "hashtags": "#smm\n#growth"},
    ),
    "Mentions Custom List": (
        11,
        {"link": LINK, "usernames": "\n".join(f"u{i}" for i in range(10))},
    ),
    "Mentions Hashtag": (12, {"link": LINK, "quantity": 100, "hashtag": "#smm"}),
    "Mentions User Followers": (13, {"link": LINK, "quantity": 100, "username": "natgeo"}),
    "Mentions Media Likers": (
        14,
        {"link": LINK, "quantity": 100, "media": "https://instagram.com/p/media"},
    ),
    "Comment Likes": (15, {"link": LINK, "quantity": 50, "username": "commenter"}),
    "Comment Replies": (16, {"link": LINK, "username": "commenter", "comments": "hi\nthere"}),
    "Poll": (33, {"link": "https://t.me/channel/5", "quantity": 100, "answer_number": 2}),
    "Invites from Groups": (
        34,
        {
            "link": "https://t.me/mygroup",
            "quantity": 100,
            "groups": "https://t.me/a\nhttps://t.me/b",
        },
    ),
    "Subscriptions": (17, {"username": "natgeo", "min": 100, "max": 200, "delay": 30}),
}


def charge(api: Api, order: Any) -> Decimal:
    return Decimal(api("status", order=order)["charge"])


def test_every_type_has_a_valid_example() -> None:
    assert set(VALID_ADDS) == set(TYPE_RULES)
    for type_name, (service_id, _) in VALID_ADDS.items():
        assert next(s for s in SERVICES if s.id == service_id).type == type_name


@pytest.mark.parametrize("type_name", sorted(VALID_ADDS))
def test_each_type_takes_its_fields(api: Api, type_name: str) -> None:
    service_id, fields = VALID_ADDS[type_name]
    assert api.add(service=service_id, **fields) == {"order": 1}
    for missing in TYPE_RULES[type_name].required:
        partial = {name: value for name, value in fields.items() if name != missing}
        assert api.add(service=service_id, **partial) == {"error": "Incorrect request"}


def test_custom_comments_quantity_is_the_number_of_lines(api: Api, sim: SimulatorHandle) -> None:
    comments = "\r\n".join(f"comment {i}" for i in range(11)) + "\n\n  \nlast one\n"
    assert api.add(service=2, link=LINK, comments=comments) == {"order": 1}
    assert sim.orders()[0]["quantity"] == 12
    assert charge(api, 1) == Decimal("0.096")
    too_few = "\n".join(["x"] * 9)
    assert api.add(service=2, link=LINK + "2", comments=too_few) == {
        "error": "Quantity less than minimal 10"
    }


def test_comment_replies_and_custom_lists_count_lines(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=16, link=LINK, username="bob", comments="one\r\ntwo\nthree")
    api.add(service=11, link=LINK, usernames="\n".join(f"user{i}" for i in range(25)))
    quantities = [order["quantity"] for order in sim.orders()]
    assert quantities == [3, 25]
    assert charge(api, 1) == Decimal("0.045")
    assert charge(api, 2) == Decimal("0.15")


def test_packages_cost_a_flat_rate(api: Api) -> None:
    api.add(service=6, link=LINK, quantity=5000)
    api.add(service=8, link=LINK, comments="\n".join(["x"] * 7))
    assert charge(api, 1) == Decimal("2.5")
    assert charge(api, 2) == Decimal("3.5")
    assert api("balance")["balance"] == "994.00000"


def test_drip_feed_total_is_runs_times_quantity(api: Api, sim: SimulatorHandle) -> None:
    assert api.add(service=3, link=LINK, quantity=100, runs=5, interval=10) == {"order": 1}
    assert sim.orders()[0]["quantity"] == 500
    status = api("status", order=1)
    assert status["charge"] == "0.60000"
    assert (status["runs"], status["orders"]) == ("5", "0")
    sim.advance(STAGE * 1.5)
    assert api("status", order=1)["orders"] == "3"
    sim.advance(STAGE)
    assert api("status", order=1)["orders"] == "5"


def test_drip_feed_checks_min_and_max_per_run(api: Api) -> None:
    assert api.add(service=3, link=LINK, quantity=50, runs=10, interval=5) == {
        "error": "Quantity less than minimal 100"
    }
    assert api.add(service=3, link=LINK, quantity=40000, runs=2, interval=5) == {"order": 1}


def test_drip_feed_fields_need_a_drip_feed_service(api: Api) -> None:
    assert api.add(service=4, link=LINK, quantity=100, runs=2, interval=5) == {
        "error": "Incorrect request"
    }
    assert api.add(service=1, link=LINK, quantity=100, runs=2, interval=5) == {
        "error": "Incorrect request"
    }
    assert api.add(service=3, link=LINK, quantity=100, runs=2) == {"error": "Incorrect request"}
    assert api.add(service=3, link=LINK, quantity=100, runs=0, interval=5) == {
        "error": "Incorrect request"
    }
    assert api.add(service=3, link=LINK, quantity=100, runs="", interval="") == {"order": 1}


def test_subscription_reserves_max_times_posts(api: Api) -> None:
    fields = {"username": "natgeo", "min": 100, "max": 200, "delay": 30}
    api.add(service=17, posts=10, **fields)
    assert charge(api, 1) == Decimal("0.6")
    api.add(service=17, **{**fields, "username": "nasa"})
    assert charge(api, 2) == Decimal("0.06")


def test_subscription_validation(api: Api) -> None:
    fields = {"username": "natgeo", "min": 100, "max": 200, "delay": 30}
    assert api.add(service=17, **{**fields, "delay": 7}) == {"error": "Incorrect request"}
    assert api.add(service=17, **{**fields, "delay": ""}) == {"error": "Incorrect request"}
    assert api.add(service=17, **{**fields, "min": 300}) == {"error": "Incorrect request"}
    assert api.add(service=17, **{**fields, "min": 10}) == {
        "error": "Quantity less than minimal 50"
    }
    assert api.add(service=17, **{**fields, "max": 6000}) == {
        "error": "Quantity more than maximum 5000"
    }
    assert api.add(service=17, expiry="2099-12-31", **fields) == {"error": "Incorrect request"}
    assert api.add(service=17, expiry="01/01/2001", **fields) == {"error": "Incorrect request"}
    assert api.add(service=17, posts=0, **fields) == {"error": "Incorrect request"}
    for delay in (0, 5, 600):
        user = f"user{delay}"
        answer = api.add(
            service=17, **{**fields, "username": user, "delay": delay}, expiry="31/12/2099"
        )
        assert "order" in answer


def test_subscription_progress(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=17, username="natgeo", min=100, max=200, delay=0, posts=3, old_posts=2)
    status = api("status", order=1)
    assert (status["status"], status["posts"]) == ("Active", "0")
    sim.advance(STAGE * 2 + 1)
    assert api("status", order=1)["posts"] == "2"
    sim.advance(STAGE)
    status = api("status", order=1)
    assert (status["status"], status["posts"]) == ("Completed", "3")


def test_media_must_be_a_link(api: Api) -> None:
    answer = api.add(service=14, link=LINK, quantity=100, media="not a link")
    assert answer == {"error": "neworder.error.link"}


def test_extra_fields_are_accepted_and_stored(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100, order_style="fast")
    fields = sim.orders()[0]["fields"]
    assert fields["order_style"] == "fast"
    assert "key" not in fields


def test_order_progresses_pending_in_progress_completed(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=4, link=LINK, quantity=1000)
    pending = api("status", order=1)
    assert (pending["status"], pending["remains"], pending["start_count"]) == (
        "Pending",
        "1000",
        "0",
    )
    sim.advance(STAGE * 1.5)
    running = api("status", order=1)
    assert running["status"] == "In progress"
    assert 0 < int(running["remains"]) < 1000
    assert int(running["start_count"]) > 0
    sim.advance(STAGE)
    done = api("status", order=1)
    assert (done["status"], done["remains"], done["charge"]) == ("Completed", "0", "0.45000")
    assert done["start_count"] == running["start_count"]


def test_every_fifth_order_ends_partial_with_a_refund(api: Api, sim: SimulatorHandle) -> None:
    for n in range(5):
        api.add(service=4, link=f"{LINK}{n}", quantity=1000)
    assert api("balance")["balance"] == "997.75000"
    sim.advance(STAGE * 1.5)
    assert api("status", order=5)["status"] == "In progress"
    sim.advance(STAGE)
    answer = api("status", orders="4,5")
    assert answer["4"]["status"] == "Completed"
    assert answer["5"] == {
        "charge": "0.33750",
        "start_count": answer["5"]["start_count"],
        "status": "Partial",
        "remains": "250",
        "currency": "USD",
    }
    # The unfilled quarter of order 5 (0.1125) comes back once, however often it is read.
    assert api("balance")["balance"] == "997.86250"
    api("status", order=5)
    assert api("balance")["balance"] == "997.86250"


def test_active_order_blocks_the_same_link_until_final(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=4, link=LINK, quantity=100)
    duplicate = api.add(service=4, link=LINK, quantity=100)
    assert "active order" in duplicate["error"]
    assert api.add(service=1, link=LINK, quantity=100) == {"order": 2}
    sim.advance(STAGE * 2 + 1)
    assert api.add(service=4, link=LINK, quantity=100) == {"order": 3}


def test_balance_is_exact_decimal(api: Api) -> None:
    for n in range(7):
        api.add(service=19, link=f"https://tiktok.com/v/{n}", quantity=100)
    assert api("balance")["balance"] == "999.99125"


def test_cancel_refunds_pending_and_running_orders(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=1000)
    api.add(service=1, link=LINK + "2", quantity=1000)
    sim.advance(STAGE * 1.5)
    api.add(service=1, link=LINK + "3", quantity=1000)
    assert api("cancel", orders="1,3") == [{"order": 1, "cancel": 1}, {"order": 3, "cancel": 1}]
    # Order 1 was half delivered: it ends Partial, charged for its half, the rest refunded;
    # order 3 had not started: Canceled, all of it refunded. Order 2 runs on (0.90).
    assert api("balance")["balance"] == "998.65000"
    status = api("status", order=1)
    assert (status["status"], status["charge"], status["remains"]) == (
        "Partial",
        "0.45000",
        "500",
    )
    status = api("status", order=3)
    assert (status["status"], status["charge"], status["remains"]) == (
        "Canceled",
        "0.00000",
        "1000",
    )
    again = api("cancel", orders="1")
    assert again == [{"order": 1, "cancel": {"error": "Order can't be canceled"}}]


def test_cancel_refused_when_disabled_or_final(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=6, link=LINK)
    api.add(service=1, link=LINK, quantity=100)
    sim.advance(STAGE * 2 + 1)
    assert api("cancel", orders="1,2") == [
        {"order": 1, "cancel": {"error": "Cancel is disabled for this service"}},
        {"order": 2, "cancel": {"error": "Order can't be canceled"}},
    ]


def test_refill_rules(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100)
    api.add(service=4, link=LINK, quantity=100)
    assert api("refill", order=1) == {"error": "Order can't be refilled"}
    sim.advance(STAGE * 2 + 1)
    assert api("refill", order=2) == {"error": "Refill is disabled for this service"}
    assert api("refill", order=7) == {"error": "Incorrect order ID"}
    assert api("refill", order=1) == {"refill": "1"}
    assert api("refill", orders="1") == [
        {"order": 1, "refill": {"error": "Refill is already requested for this order"}}
    ]


def test_canceled_orders_cannot_be_refilled(api: Api, sim: SimulatorHandle) -> None:
    api.add(service=1, link=LINK, quantity=100)
    api("cancel", orders="1")
    sim.advance(STAGE * 3)
    assert api("refill", order=1) == {"error": "Order can't be refilled"}


def test_refill_progress_and_rejections(api: Api, sim: SimulatorHandle) -> None:
    for n in range(5):
        api.add(service=20, link=f"https://tiktok.com/@u{n}", quantity=100)
    sim.advance(STAGE * 2 + 1)
    # Order 5 ended Partial: partial orders can be refilled too.
    assert [item["refill"] for item in api("refill", orders="1,2,3,4,5")] == [1, 2, 3, 4, 5]
    assert api("refill_status", refill=1) == {"status": "Pending"}
    sim.advance(STAGE * 1.5)
    assert api("refill_status", refill=1) == {"status": "In progress"}
    sim.advance(STAGE)
    statuses = [item["status"] for item in api("refill_status", refills="1,2,3,4,5")]
    assert statuses == ["Completed", "Completed", "Completed", "Rejected", "Completed"]
    # Once the first refill is over, the order may be refilled again.
    assert api("refill", order=1) == {"refill": "6"}
