"""The client against the panel simulator over real HTTP, in every dialect the simulator speaks.

Each test starts its own simulator (state in tmp_path), so order sequence numbers are known:
every 5th order of a dialect ends Partial, every 4th refill is Rejected, and in `quirky` every
3rd order id is opaque (`ord_...`). Time moves with `advance`, never by sleeping. Expected
values come from the simulator's own tables (catalog, dialect error texts and status words).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from panels.api.client import PanelClient
from panels.api.errors import BadApiKey, ItemError, PanelRejected, Reason
from panels.api.normalise import RefillStatus, Status
from panels.api.options import ClientOptions
from panels.api.order_types import ORDER_TYPES, OTHER, billable_quantity, estimate_cost
from panels.api.results import OrderStatus, Service
from simulator import DIALECT_NAMES, SimulatorHandle, start_simulator
from simulator import catalog as sim_catalog
from simulator import dialects as sim_dialects
from simulator import records as sim_records
from tests.panels.local import LOOPBACK

KEY = "demo-key"
STAGE = 10.0  # simulated seconds per stage; real time in a test is far below it
START_BALANCE = Decimal("1234.56789")

WITH_CANCEL = [d for d in DIALECT_NAMES if "cancel" in sim_dialects.DIALECTS[d].actions]
WITHOUT_CANCEL = [d for d in DIALECT_NAMES if d not in WITH_CANCEL]
# The simulator's type names are the protocol's labels; ORDER_TYPES carries the same labels.
TYPE_KEY_BY_LABEL = {t.label: t.key for t in ORDER_TYPES.values()}


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(
        state_dir=tmp_path, port=0, keys=(KEY,), stage_seconds=STAGE, balance=START_BALANCE
    )
    yield handle
    handle.stop()


def options_for(dialect: str) -> ClientOptions:
    if dialect == "jsonapi":
        return ClientOptions(body="json", key_field="api_token", timeout=5, retries=0, **LOOPBACK)
    return ClientOptions(timeout=5, retries=0, **LOOPBACK)


def no_sleep(seconds: float) -> None:
    raise AssertionError(f"the client slept {seconds}s against a healthy panel")


def client_for(sim: SimulatorHandle, dialect: str, key: str = KEY) -> PanelClient:
    """No retries and no sleeping: against a healthy panel every call must work first time."""
    return PanelClient(sim.api_url(dialect), key, options_for(dialect), sleep=no_sleep)


def dialect_of(name: str) -> sim_dialects.Dialect:
    return sim_dialects.DIALECTS[name]


def requests_seen(sim: SimulatorHandle, dialect: str, action: str) -> int:
    return int(sim.stats(dialect)["requests"].get(action, 0))


def orders_by_id(sim: SimulatorHandle, dialect: str) -> dict[str, dict[str, Any]]:
    return {order["id"]: order for order in sim.orders(dialect)}


def first(services: list[Service], **match: object) -> Service:
    return next(s for s in services if all(getattr(s, k) == v for k, v in match.items()))


def place(client: PanelClient, service: Service, link: str, quantity: int) -> str:
    placed = client.add(
        service.service_id, {"link": link, "quantity": quantity}, order_type=service.type
    )
    assert isinstance(placed.order_id, str)
    return placed.order_id


def fields_for(service: Service, n: int) -> dict[str, Any]:
    """Valid `add` fields for one service, per the protocol page's table of order types."""
    link = f"https://instagram.com/p/{service.type}-{n}"
    quantity = min(service.max, service.min * 2)
    lines = min(service.max, service.min + 3)
    words = [f"line {i}" for i in range(lines)]
    users = [f"user_{i}" for i in range(lines)]
    by_type: dict[str, dict[str, Any]] = {
        "default": {"link": link, "quantity": quantity},
        "package": {"link": link},
        "seo": {"link": link, "quantity": quantity, "keywords": ["smm panel", "buy views"]},
        "custom_comments": {"link": link, "comments": words},
        "custom_comments_package": {"link": link, "comments": "Nice!\r\nGreat post\r\n"},
        "mentions": {"link": link, "quantity": quantity, "usernames": ["alice", "bob"]},
        "mentions_with_hashtags": {
            "link": link,
            "quantity": quantity,
            "usernames": ["alice", "bob"],
            "hashtags": ["#sale", "#new"],
        },
        # A list given as CRLF text: the quantity is still the number of lines.
        "mentions_custom_list": {"link": link, "usernames": "\r\n".join(users)},
        "mentions_hashtag": {"link": link, "quantity": quantity, "hashtag": "#sale"},
        "mentions_user_followers": {"link": link, "quantity": quantity, "username": "alice"},
        "mentions_media_likers": {
            "link": link,
            "quantity": quantity,
            "media": "https://instagram.com/p/media-1",
        },
        "comment_likes": {"link": link, "quantity": quantity, "username": "alice"},
        "comment_replies": {"link": link, "username": "alice", "comments": words},
        "poll": {"link": link, "quantity": quantity, "answer_number": 2},
        "invites_from_groups": {
            "link": link,
            "quantity": quantity,
            "groups": ["https://t.me/group_a", "https://t.me/group_b"],
        },
        "subscriptions": {
            "username": f"sub_user_{n}",
            "min": service.min,
            "max": quantity,
            "posts": 3,
            "delay": 30,
        },
    }
    return by_type[service.type]


# --- services ------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_it_reads_the_whole_catalog_as_the_simulator_defines_it(sim, dialect):
    catalog = client_for(sim, dialect).services()

    assert catalog.skipped == []
    assert [s.service_id for s in catalog.services] == [str(s.id) for s in sim_catalog.SERVICES]
    spec = dialect_of(dialect)
    for service, source in zip(catalog.services, sim_catalog.SERVICES, strict=True):
        rendered = spec.service(source)
        assert service.name == source.name
        assert service.category == source.category
        assert service.type == TYPE_KEY_BY_LABEL[source.type]
        assert service.raw_type == rendered["type"]
        assert isinstance(service.rate, Decimal)
        assert service.rate == Decimal(source.rate)
        assert (service.min, service.max) == (source.min, source.max)
        assert service.refill is source.refill
        # A flag the panel leaves out reads as "not offered".
        assert service.cancel is (source.cancel and "cancel" in rendered)
        assert service.dripfeed is bool(source.dripfeed)
        has_description = bool({"description", "desc"} & set(spec.service_extras))
        assert service.description == (source.description if has_description else "")
        expected_days = int(source.refill_time) if "refill_time" in spec.service_extras else None
        assert service.refill_days == expected_days


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_services_1_and_2_are_the_seed_pages_examples(sim, dialect):
    services = {s.service_id: s for s in client_for(sim, dialect).services().services}

    followers, comments = services["1"], services["2"]
    assert (followers.name, followers.type, followers.category) == (
        "Followers",
        "default",
        "First Category",
    )
    assert followers.rate == Decimal("0.90")
    assert (followers.min, followers.max) == (50, 10000)
    assert (followers.refill, followers.cancel) == (True, True)
    assert (comments.name, comments.type) == ("Comments", "custom_comments")
    assert comments.rate == Decimal("8")
    assert (comments.min, comments.max) == (10, 1500)
    assert (comments.refill, comments.cancel) == (False, True)


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_every_order_type_is_in_the_catalog(sim, dialect):
    catalog = client_for(sim, dialect).services()

    assert {s.type for s in catalog.services} == set(ORDER_TYPES) - {OTHER}


def test_seed001_shows_description_and_refill_days(sim):
    services = {s.service_id: s for s in client_for(sim, "seed001").services().services}

    assert services["1"].description == "example description"
    assert services["1"].refill_days == 30
    assert services["2"].refill_days == 365
    assert services["24"].refill_days == 365
    assert services["24"].description.startswith("YouTube Views [Non Drop]")


def test_quirky_values_are_read_right(sim):
    catalog = client_for(sim, "quirky").services()
    by_id = {s.service_id: s for s in catalog.services}

    # The panel really sent the odd forms this test is about...
    assert {type(s.raw["refill"]) for s in catalog.services} == {bool, int, str}
    # JSON numbers for money: the client parses floats straight to Decimal, never float.
    assert {type(s.raw["rate"]) for s in catalog.services} == {str, int, Decimal}
    assert any("cancel" not in s.raw for s in catalog.services)
    assert all("description" not in s.raw and "desc" in s.raw for s in catalog.services)
    assert by_id["10"].raw_type == "mentions_with_hashtags"
    # ...and the client read them into the simulator's values.
    assert by_id["10"].type == "mentions_with_hashtags"
    assert by_id["1"].description == "example description"
    assert by_id["5"].raw["dripfeed"] == 1
    assert by_id["5"].dripfeed is True
    assert by_id["3"].rate == Decimal("1.20000")
    for service in catalog.services:
        source = sim_catalog.SERVICES_BY_ID[int(service.service_id)]
        assert service.description == source.description
        assert service.refill is source.refill
        assert service.rate == Decimal(source.rate)


# --- balance -------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_balance_is_the_exact_decimal_the_panel_holds(sim, dialect):
    client = client_for(sim, dialect)

    balance = client.balance()
    assert isinstance(balance.amount, Decimal)
    assert balance.amount == START_BALANCE
    assert balance.currency == "USD"

    sim.set_balance("0.00123", dialect)
    assert client.balance().amount == Decimal("0.00123")


# --- add -----------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_add_places_every_order_type_at_the_estimated_cost(sim, dialect):
    client = client_for(sim, dialect)
    services = client.services().services
    order_types = sorted(set(ORDER_TYPES) - {OTHER})

    placed: dict[str, tuple[Service, dict[str, Any]]] = {}
    for n, order_type in enumerate(order_types):
        service = first(services, type=order_type)
        fields = fields_for(service, n)
        result = client.add(service.service_id, fields, order_type=order_type)
        assert isinstance(result.order_id, str)
        assert result.order_id not in placed
        placed[result.order_id] = (service, fields)

    stored = orders_by_id(sim, dialect)
    assert set(stored) == set(placed)
    total = Decimal(0)
    for order_id, (service, fields) in placed.items():
        order = stored[order_id]
        expected = estimate_cost(service.type, service.rate, fields)
        assert expected is not None, service.type
        assert Decimal(order["cost"]) == expected, service.type
        assert str(order["service"]) == service.service_id
        units = billable_quantity(service.type, fields)
        if units is not None:
            assert order["quantity"] == units, service.type
        total += expected
    assert requests_seen(sim, dialect, "add") == len(order_types)
    assert client.balance().amount == START_BALANCE - total

    # Every kind of order reads back, subscriptions with their own status words.
    found = client.statuses(list(placed))
    assert list(found) == list(placed)
    for order_id, status in found.items():
        assert isinstance(status, OrderStatus), status
        assert status.charge == Decimal(stored[order_id]["cost"])
        service = placed[order_id][0]
        if service.type == "subscriptions":
            assert status.status == Status.ACTIVE
            assert status.posts == 0
        else:
            assert status.status == Status.PENDING


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_a_drip_feed_order_costs_runs_times_quantity(sim, dialect):
    client = client_for(sim, dialect)
    service = first(client.services().services, type="default", dripfeed=True)
    fields = {"link": "https://t.me/c/1", "quantity": service.min, "runs": 3, "interval": 15}

    order_id = client.add(service.service_id, fields, order_type="default").order_id

    order = orders_by_id(sim, dialect)[order_id]
    assert Decimal(order["cost"]) == estimate_cost("default", service.rate, fields)
    assert order["quantity"] == service.min * 3
    assert client.status(order_id).runs == 3


# --- status --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_status_follows_an_order_from_pending_to_completed_or_partial(sim, dialect, monkeypatch):
    # Progress follows the simulator's clock: stop real time so that the status answer and the
    # simulator's own record below are read at the same instant, however slow the machine.
    clock, frozen = sim.simulator.clock, time.time()
    monkeypatch.setattr(clock, "now", lambda: frozen + clock.offset)
    client = client_for(sim, dialect)
    spec = dialect_of(dialect)
    service = first(client.services().services, service_id="1")
    quantities = [100, 200, 300, 400, 500]
    ids = [place(client, service, f"https://x.com/u/{q}", q) for q in quantities]
    stored = orders_by_id(sim, dialect)

    # Remote ids are strings, exactly as the panel names its orders.
    assert ids == [o["id"] for o in sim.orders(dialect)]
    if dialect == "quirky":
        assert ids[2].startswith("ord_")
        assert ids[3] == "4"

    def check_all(found: dict[str, Any], raw: str) -> None:
        assert list(found) == ids
        for order_id, status in found.items():
            assert isinstance(status, OrderStatus)
            assert status.order_id == order_id
            assert status.raw_status == raw
            assert isinstance(status.charge, Decimal)
            assert status.currency == "USD"

    # Pending: nothing delivered yet.
    found = client.statuses(ids)
    check_all(found, spec.status_text(sim_records.PENDING))
    for order_id, quantity in zip(ids, quantities, strict=True):
        status = found[order_id]
        assert status.status == Status.PENDING
        assert not status.is_final
        assert status.charge == Decimal(stored[order_id]["cost"])
        if spec.vague_progress:  # "Unknown" remains, no start count yet
            assert status.raw["remains"] == "Unknown"
            assert (status.remains, status.start_count) == (None, None)
        else:
            assert (status.remains, status.start_count) == (quantity, 0)

    # Half way through the second stage.
    sim.advance(STAGE * 1.5)
    found = client.statuses(ids)
    check_all(found, spec.status_text(sim_records.IN_PROGRESS))
    stored = orders_by_id(sim, dialect)
    for order_id, quantity in zip(ids, quantities, strict=True):
        status = found[order_id]
        assert status.status == Status.IN_PROGRESS
        assert 0 < status.remains < quantity
        assert status.remains == stored[order_id]["remains"]
        assert status.start_count == stored[order_id]["start_count"]

    # Final: every 5th order of the panel ends Partial with a refund.
    sim.advance(STAGE)
    stored = orders_by_id(sim, dialect)
    for order_id in ids[:4]:
        status = client.status(order_id)
        assert status.order_id == order_id
        assert status.status == Status.COMPLETED
        assert status.raw_status == spec.status_text(sim_records.COMPLETED)
        assert status.is_final
        assert status.remains == 0
        assert status.charge == Decimal(stored[order_id]["cost"])
    partial = client.status(ids[4])
    assert partial.status == Status.PARTIAL
    assert partial.raw_status == spec.status_text(sim_records.PARTIAL)
    assert partial.is_final
    assert partial.remains == stored[ids[4]]["remains"] == 500 // 4
    assert partial.charge == Decimal(stored[ids[4]]["charge"])
    assert partial.charge < Decimal(stored[ids[4]]["cost"])
    refund = Decimal(stored[ids[4]]["cost"]) - partial.charge
    spent = sum(Decimal(o["cost"]) for o in stored.values())
    assert client.balance().amount == START_BALANCE - spent + refund
    assert requests_seen(sim, dialect, "status") == 2 + 5


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_unknown_order_ids_are_errors_about_that_order(sim, dialect):
    client = client_for(sim, dialect)
    service = first(client.services().services, service_id="1")
    order_id = place(client, service, "https://x.com/known", 100)

    found = client.statuses([order_id, "987654", "ord_nope"])

    assert isinstance(found[order_id], OrderStatus)
    for unknown in ("987654", "ord_nope"):
        error = found[unknown]
        assert isinstance(error, ItemError)
        assert error.reason == Reason.INCORRECT_ORDER_ID
        assert error.text == dialect_of(dialect).error_text(sim_dialects.ORDER_ID)
    with pytest.raises(PanelRejected) as info:
        client.status("987654")
    assert info.value.reason == Reason.INCORRECT_ORDER_ID


# --- refill --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_refills_on_completed_orders_and_errors_per_order(sim, dialect):
    client = client_for(sim, dialect)
    spec = dialect_of(dialect)
    services = client.services().services
    refillable = first(services, type="default", refill=True)
    no_refill = first(services, type="default", refill=False)
    ids = [place(client, refillable, f"https://x.com/r/{n}", 100) for n in range(4)]
    other = place(client, no_refill, "https://x.com/r/none", 100)

    # Not finished yet: the panel refuses, and the single form raises.
    with pytest.raises(PanelRejected) as info:
        client.refill(ids[0])
    assert info.value.text == spec.error_text(sim_dialects.REFILL_REFUSED)

    sim.advance(STAGE * 2.5)
    single = client.refill(ids[0])
    assert single.order_id == ids[0]
    assert single.error is None
    assert single.refill_id == "1"

    batch = client.refills([*ids[1:], other, "987654"])
    assert list(batch) == [*ids[1:], other, "987654"]
    assert [batch[i].refill_id for i in ids[1:]] == ["2", "3", "4"]
    assert all(batch[i].error is None for i in ids[1:])
    assert batch[other].refill_id is None
    assert batch[other].error is not None
    assert batch[other].error.text == spec.error_text(sim_dialects.REFILL_DISABLED)
    assert batch["987654"].error is not None
    assert batch["987654"].error.reason == Reason.INCORRECT_ORDER_ID
    # A second refill while one is running is refused for that order only.
    again = client.refills([ids[0]])
    assert again[ids[0]].error is not None
    assert again[ids[0]].error.text == spec.error_text(sim_dialects.REFILL_EXISTS)
    assert requests_seen(sim, dialect, "refill") == 4

    state = client.refill_status("1")
    assert (state.refill_id, state.status, state.error) == ("1", RefillStatus.PENDING, None)
    assert state.raw_status == spec.status_text(sim_records.PENDING)

    sim.advance(STAGE * 1.5)
    states = client.refill_statuses(["1", "2", "999"])
    assert list(states) == ["1", "2", "999"]
    assert states["1"].status == states["2"].status == RefillStatus.IN_PROGRESS
    assert states["1"].raw_status == spec.status_text(sim_records.IN_PROGRESS)
    assert states["999"].status is None
    assert states["999"].error is not None
    assert states["999"].error.reason == Reason.REFILL_NOT_FOUND

    sim.advance(STAGE)
    states = client.refill_statuses(["1", "2", "3", "4"])
    assert [states[i].status for i in ("1", "2", "3")] == [RefillStatus.COMPLETED] * 3
    assert states["1"].raw_status == spec.status_text(sim_records.COMPLETED)
    assert states["4"].status == RefillStatus.REJECTED  # every 4th refill is turned down
    with pytest.raises(PanelRejected) as info:
        client.refill_status("999")
    assert info.value.reason == Reason.REFILL_NOT_FOUND


# --- cancel --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", WITH_CANCEL)
def test_cancel_where_the_panel_has_it(sim, dialect):
    client = client_for(sim, dialect)
    spec = dialect_of(dialect)
    services = client.services().services
    cancelable = first(services, type="default", cancel=True)
    fixed = first(services, type="default", cancel=False)
    done = place(client, cancelable, "https://x.com/c/done", 100)
    sim.advance(STAGE * 2.5)
    pending = place(client, cancelable, "https://x.com/c/pending", 100)
    kept = place(client, fixed, "https://x.com/c/fixed", 100)
    before = client.balance().amount

    found = client.cancel([pending, kept, done, "987654"])

    assert list(found) == [pending, kept, done, "987654"]
    assert found[pending].accepted is True
    assert found[pending].error is None
    for order_id, code in (
        (kept, sim_dialects.CANCEL_DISABLED),
        (done, sim_dialects.CANCEL_REFUSED),
    ):
        assert found[order_id].accepted is False
        assert found[order_id].error is not None
        assert found[order_id].error.text == spec.error_text(code)
    assert found["987654"].error is not None
    assert found["987654"].error.reason == Reason.INCORRECT_ORDER_ID
    assert requests_seen(sim, dialect, "cancel") == 1

    canceled = client.status(pending)
    assert canceled.status == Status.CANCELED
    assert canceled.raw_status == spec.status_text(sim_records.CANCELED)
    assert client.status(kept).status == Status.PENDING
    cost = Decimal(orders_by_id(sim, dialect)[pending]["cost"])
    assert client.balance().amount == before + cost


@pytest.mark.parametrize("dialect", WITHOUT_CANCEL)
def test_cancel_on_a_panel_without_it_is_an_error_for_every_order(sim, dialect):
    client = client_for(sim, dialect)
    service = first(client.services().services, service_id="1")
    ids = [place(client, service, f"https://x.com/n/{n}", 100) for n in range(2)]

    found = client.cancel([*ids, "987654"])

    assert list(found) == [*ids, "987654"]
    for result in found.values():
        assert result.accepted is False
        assert result.error is not None
        assert result.error.reason == Reason.INCORRECT_REQUEST
        assert result.error.text == dialect_of(dialect).error_text(sim_dialects.UNKNOWN_ACTION)
    assert requests_seen(sim, dialect, "cancel") == 1
    assert {client.status(i).status for i in ids} == {Status.PENDING}


def test_seed000_and_seed003_are_the_dialects_without_cancel():
    assert WITHOUT_CANCEL == ["seed000", "seed003"]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_a_wrong_key_is_a_bad_api_key(sim, dialect):
    client = client_for(sim, dialect, key="not-the-key")

    for call in (client.balance, client.services, lambda: client.status("1")):
        with pytest.raises(BadApiKey):
            call()
    with pytest.raises(BadApiKey):
        client.add("1", {"link": "https://x.com/k", "quantity": 100}, order_type="default")
    assert sim.orders(dialect) == []


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_add_rejections_map_to_their_reasons(sim, dialect):
    client = client_for(sim, dialect)
    spec = dialect_of(dialect)
    link = "https://x.com/dup"

    def rejected(service_id: str, link: str, quantity: int) -> PanelRejected:
        with pytest.raises(PanelRejected) as info:
            client.add(service_id, {"link": link, "quantity": quantity}, order_type="default")
        return info.value

    cases = [
        (
            ("9999", link, 100),
            Reason.INCORRECT_SERVICE_ID,
            spec.error_text(sim_dialects.SERVICE_ID),
        ),
        (("1", link, 49), Reason.MIN_QUANTITY, spec.error_text(sim_dialects.MIN_QUANTITY, n=50)),
        (
            ("1", link, 10001),
            Reason.MAX_QUANTITY,
            spec.error_text(sim_dialects.MAX_QUANTITY, n=10000),
        ),
        (("1", "not a link", 100), Reason.BAD_LINK, spec.error_text(sim_dialects.LINK)),
    ]
    for args, reason, text in cases:
        error = rejected(*args)
        assert (error.reason, error.text) == (reason, text), args
        assert error.action == "add"
        assert error.permanent

    first_id = client.add("1", {"link": link, "quantity": 100}, order_type="default").order_id
    duplicate = rejected("1", link, 100)
    assert duplicate.reason == Reason.LINK_DUPLICATE
    assert duplicate.text == spec.error_text(sim_dialects.LINK_DUPLICATE)

    sim.set_balance("0.01", dialect)
    poor = rejected("1", "https://x.com/other", 100)  # costs 0.09
    assert poor.reason == Reason.NOT_ENOUGH_FUNDS
    assert poor.text == spec.error_text(sim_dialects.FUNDS)

    assert [o["id"] for o in sim.orders(dialect)] == [first_id]
    assert requests_seen(sim, dialect, "add") == len(cases) + 3


def test_quirky_sends_translation_keys_and_they_still_map(sim):
    client = client_for(sim, "quirky")

    with pytest.raises(PanelRejected) as info:
        client.add("9999", {"link": "https://x.com/a", "quantity": 100}, order_type="default")

    assert info.value.text == "neworder.error.incorrect_service_id"
    assert info.value.reason == Reason.INCORRECT_SERVICE_ID
    assert "neworder" not in info.value.message  # people see our words, not the key


# --- batches -------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_status_batches_over_100_ids_are_split(sim, dialect):
    client = client_for(sim, dialect)
    service = first(client.services().services, service_id="1")
    real = [place(client, service, f"https://x.com/b/{n}", 100) for n in range(3)]
    unknown = [str(500_000 + n) for n in range(227)]
    asked = [real[0], *unknown[:149], real[1], *unknown[149:], real[2]]

    found = client.statuses(asked)

    assert len(asked) == 230
    assert list(found) == asked
    assert requests_seen(sim, dialect, "status") == 3
    assert all(isinstance(found[i], OrderStatus) for i in real)
    assert {found[i].reason for i in unknown} == {Reason.INCORRECT_ORDER_ID}


@pytest.mark.parametrize("dialect", DIALECT_NAMES)
def test_write_and_refill_status_batches_over_100_ids_are_split(sim, dialect):
    client = client_for(sim, dialect)
    service = first(client.services().services, type="default", refill=True, cancel=True)
    real = [place(client, service, f"https://x.com/w/{n}", 100) for n in range(3)]
    asked = [*real, *(str(600_000 + n) for n in range(227))]

    refill_states = client.refill_statuses([str(n) for n in range(1, 231)])
    canceled = client.cancel(asked)

    assert len(refill_states) == 230
    assert requests_seen(sim, dialect, "refill_status") == 3
    assert {s.error.reason for s in refill_states.values() if s.error} == {Reason.REFILL_NOT_FOUND}
    assert list(canceled) == asked
    assert requests_seen(sim, dialect, "cancel") == 3
    if dialect in WITH_CANCEL:
        assert [canceled[i].accepted for i in real] == [True] * 3
        assert {canceled[i].error.reason for i in asked[3:]} == {Reason.INCORRECT_ORDER_ID}
    else:
        assert {canceled[i].error.reason for i in asked} == {Reason.INCORRECT_REQUEST}
