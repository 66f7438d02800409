"""The dialect store on its own: the journal of changes and settling only the orders due."""

from __future__ import annotations

import json
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import store as store_module
from simulator.catalog import SUBSCRIPTIONS
from simulator.records import FINAL_STATUSES, Order, order_view
from simulator.store import DialectStore

T0 = 1_000_000.0


def new_store(path: Path) -> DialectStore:
    return DialectStore(path / "standard.json", balance=Decimal("1000"), currency="USD")


def order(seq: int, *, created: float = T0, stage: float = 10.0, **extra: object) -> Order:
    fields = {"type": "default", "quantity": 100, "partial_remains": 0, **extra}
    return Order(
        seq=seq, id=str(seq), service=1, link=f"https://instagram.com/p/{seq}", cost="0.50",
        created=created, stage=stage, start_count=0, **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def state(store: DialectStore) -> dict[str, object]:
    return {
        "balance": store.balance,
        "next_order": store.next_order,
        "next_refill": store.next_refill,
        "orders": {oid: o.to_json() for oid, o in store.orders.items()},
        "refills": {rid: r.to_json() for rid, r in store.refills.items()},
    }


def test_a_save_appends_only_what_changed_and_a_reload_gives_the_same_state(tmp_path):
    store = new_store(tmp_path)
    for seq in range(1, 5):
        store.add_order(order(seq, created=T0 + 20 if seq == 4 else T0))
        store.save()
    snapshot = json.loads(store.path.read_text())
    assert [o["id"] for o in snapshot["orders"]] == ["1"]  # written once, at the first save
    store.settle(T0 + 25)  # the first three end
    store.add_refill(order=store.orders["2"], now=T0 + 26, stage=10)
    store.cancel_order(store.orders["4"], T0 + 26, remains=100)
    store.save()

    lines = store.journal_path.read_text().splitlines()
    # three adds with their counters, then 3 settled + 1 canceled + 1 refill + the counters
    assert len(lines) == 3 * 2 + 6
    again = new_store(tmp_path)
    assert state(again) == state(store)
    assert again.orders["2"].final_status == "Completed"


def test_the_snapshot_is_written_again_once_the_journal_is_as_long_as_the_state(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(store_module, "JOURNAL_MIN_LINES", 4)
    store = new_store(tmp_path)
    for seq in range(1, 9):
        store.add_order(order(seq))
        store.save()
    generation = store.generation
    assert generation > 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "standard.json",
        f"standard.json.{generation}.journal",
    ]
    assert state(new_store(tmp_path)) == state(store)


def test_a_save_cut_short_by_a_killed_process_is_ignored(tmp_path):
    store = new_store(tmp_path)
    store.add_order(order(1))
    store.save()
    store.add_order(order(2))
    store.save()
    saved = state(store)
    store.add_order(order(3))
    whole_order_line = json.dumps({"order": store.orders["3"].to_json()})
    with store.journal_path.open("a") as journal:  # the order written, its counters cut
        journal.write(whole_order_line + '\n{"counters":{"bala')

    again = new_store(tmp_path)
    assert sorted(again.orders) == ["1", "2"]
    assert state(again) == saved  # the unfinished save is left out whole


def test_a_broken_line_inside_the_journal_is_an_error_not_a_silent_loss(tmp_path):
    store = new_store(tmp_path)
    store.add_order(order(1))
    store.save()
    for seq in (2, 3):
        store.add_order(order(seq))
        store.save()
    lines = store.journal_path.read_text().splitlines()
    store.journal_path.write_text("\n".join(["{oops", *lines[1:]]) + "\n")

    with pytest.raises(ValueError, match="line 1 is not JSON"):
        new_store(tmp_path)


def test_a_journal_left_from_an_older_snapshot_is_not_replayed(tmp_path):
    """Killed after writing a new snapshot, before dropping the old journal: the old
    journal's older versions of orders must not overwrite the snapshot's."""
    store = new_store(tmp_path)
    store.add_order(order(1))
    store.save()
    store.add_order(order(2))
    store.save()  # order 2 open, in journal generation 1
    stale = store.journal_path.read_text()
    store.settle(T0 + 25)
    store.reset()
    store.add_order(order(7))
    store.save()
    (tmp_path / "standard.json.1.journal").write_text(stale)

    again = new_store(tmp_path)
    assert sorted(again.orders) == ["7"]
    assert not (tmp_path / "standard.json.1.journal").exists()


steps = st.lists(
    st.tuples(
        st.sampled_from(["add", "add_subscription", "cancel", "advance"]),
        st.integers(min_value=0, max_value=40),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(steps=steps, stage=st.sampled_from([0.0, 0.1, 3.0, 10.0]))
def test_settling_the_due_orders_ends_exactly_what_looking_at_all_would(steps, stage):
    """Whatever orders, cancels and clock moves: after each settle, every open order is not
    final yet and every order settled was final when settled."""
    with tempfile.TemporaryDirectory() as folder:
        check_settling(new_store(Path(folder)), steps, stage)


def check_settling(store: DialectStore, steps: list[tuple[str, int]], stage: float) -> None:
    now, seq = T0, 0
    for action, amount in steps:
        if action == "add":
            seq += 1
            store.add_order(order(seq, created=now, stage=stage, partial_remains=amount % 3))
        elif action == "add_subscription":
            seq += 1
            posts = amount % 5 or None
            expiry = now + amount if amount % 2 else None
            store.add_order(
                order(seq, created=now, stage=stage or 1.0, type=SUBSCRIPTIONS, posts=posts,
                      expiry=expiry, quantity=1)
            )  # fmt: skip
        elif action == "cancel" and store._open:
            victim = sorted(store._open)[amount % len(store._open)]
            store.cancel_order(store.orders[victim], now, remains=1)
        else:
            now += amount / 4
        store.settle(now)
        for open_order in store._open.values():
            assert order_view(open_order, now).status not in FINAL_STATUSES
        for closed in store.orders.values():
            if closed.id not in store._open:
                assert closed.final_status is not None


def test_an_order_a_rounding_hair_short_of_its_end_is_settled_at_the_next_look(tmp_path):
    store = new_store(tmp_path)
    store.add_order(order(1, created=0.7, stage=0.1))  # 0.7 + 0.2 - 0.7 < 0.2 in floats
    end = 0.7 + 2 * 0.1

    store.settle(end)
    assert order_view(store.orders["1"], end).status not in FINAL_STATUSES
    assert store.orders["1"].final_status is None

    store.settle(end + 0.01)
    assert store.orders["1"].final_status == "Completed"
