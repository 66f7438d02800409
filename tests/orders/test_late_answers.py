"""A misbehaving panel while placing: answers that trickle in, arrive late, or carry ids that
cannot be stored; keys this worker cannot decrypt. Nothing raises, nothing stays submitting,
nothing is dropped, and nothing is sent twice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import DataError
from django.utils import timezone

from orders.models import Order, OrderStatusChange
from orders.services import (
    order_acknowledge_attention,
    order_claim,
    order_create,
    order_dispatch,
    order_resolve_not_placed,
    orders_reap_stuck,
)
from panels.models import Panel
from tests.orders.helpers import KEY, adds, place, service_of, values_for
from tests.panels.slowserver import AnswerServer

State = Order.State


def point_at(panel: Panel, url: str, **fields: object) -> None:
    Panel.objects.filter(pk=panel.pk).update(api_url=url, **fields)
    panel.refresh_from_db()


def claimed(panel: Panel) -> Order:
    service = service_of(panel, "default")
    order = order_create(service=service, values=values_for(service))
    assert order_claim(order_id=order.pk)
    return Order.objects.select_related("panel", "service").get(pk=order.pk)


def notes(order: Order) -> list[str]:
    return list(OrderStatusChange.objects.filter(order=order).values_list("note", flat=True))


def test_an_answer_that_trickles_past_the_deadline_leaves_the_order_unknown_in_time(panel):
    body = b'{"order": 99001, "padding": "' + b"x" * 40 + b'"}'  # ~10 s at one byte per 0.2 s
    with AnswerServer(body, trickle=0.2) as server:
        point_at(panel, server.url, timeout_seconds=1)
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.UNKNOWN
    assert "no complete answer within 1s" in order.last_error
    assert "may have" in order.last_error
    assert len(server.requests) == 1


def test_the_reaper_waits_for_the_longest_send_the_panel_allows(panel):
    Panel.objects.filter(pk=panel.pk).update(timeout_seconds=600)  # a slow panel: 10 minutes
    order = claimed(panel)
    # 11 minutes in: this send may still be waiting for the panel's answer.
    Order.objects.filter(pk=order.pk).update(submitted_at=timezone.now() - timedelta(minutes=11))

    assert orders_reap_stuck() == 0
    assert Order.objects.get(pk=order.pk).state == State.SUBMITTING

    started = timezone.now() - timedelta(minutes=16)
    Order.objects.filter(pk=order.pk).update(submitted_at=started)
    assert orders_reap_stuck() == 1
    order.refresh_from_db()
    assert order.state == State.UNKNOWN
    assert order.last_error.startswith(
        f"Sending started at {timezone.localtime(started):%Y-%m-%d %H:%M} "
    )
    assert "no outcome was recorded within 15 minutes: the worker sending it stopped" in (
        order.last_error
    )
    assert "The panel may have placed it. Check on the panel." in order.last_error


def test_a_late_answer_after_the_order_was_placed_again_is_kept_and_raised(
    sim, panel, client, admin_user
):
    first = claimed(panel)  # its worker is slow; the reaper gives up on it
    Order.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(hours=1))
    orders_reap_stuck()
    again = order_resolve_not_placed(order=Order.objects.get(pk=first.pk), place_again=True)
    assert order_claim(order_id=again.pk)
    again = order_dispatch(order=Order.objects.get(pk=again.pk))
    assert again.state == State.PLACED

    with AnswerServer(b'{"order": 777}') as server:  # the slow worker's answer finally arrives
        point_at(panel, server.url)
        first.panel = panel
        late = order_dispatch(order=first)

    assert late.state == State.NOT_PLACED  # a person's decision is not overwritten
    assert late.remote_id is None
    assert late.late_remote_id == "777"
    assert json.loads(late.add_answer) == {"order": 777}
    assert late.attention == (
        f"This may have been bought twice: #{late.late_remote_id} (a late answer to sending "
        f"this order) and #{again.remote_id} (order {again.pk}, placed again). "
        "Check on the panel."
    )
    assert "Placed on the panel as #777" not in notes(late)
    assert any("Late answer from the panel" in n for n in notes(late))
    assert late.needs_attention

    client.force_login(admin_user)
    listed = client.get("/orders/?attention=yes").content.decode()
    assert f"#{late.late_remote_id} (a late answer" in listed
    detail = client.get(f"/orders/{late.pk}/").content.decode()
    assert "This may have been bought twice" in detail
    assert "Acknowledge" in detail
    assert "Place again" not in detail  # the panel has it: a third purchase is one click away
    overview = client.get("/").content.decode()
    assert "may have been bought twice" in overview

    order_acknowledge_attention(order=late, user=admin_user)
    late.refresh_from_db()
    assert not late.needs_attention
    assert late.late_remote_id  # still on record
    assert "may have been bought twice" not in client.get("/orders/?attention=yes").content.decode()


BAD_IDS = [
    (b'{"order": 1e309}', "longer than 100"),
    (b'{"order": "' + b"7" * 300 + b'"}', "longer than 100"),
    (b'{"order": NaN}', "not a number"),
    (b'{"order": 0}', "not a positive number"),
    (b'{"order": -5}', "not a positive number"),
    (b'{"order": 12.5}', "not a whole number"),
    (b'{"order": "12 34"}', "spaces, commas or control characters"),
    (b'{"order": "1,2"}', "spaces, commas or control characters"),
    (b'{"order": ""}', "there is no order id"),
]


@pytest.mark.parametrize(("body", "why"), BAD_IDS)
def test_an_order_id_that_cannot_be_stored_leaves_the_order_unknown_with_the_answer(
    panel, body, why
):
    with AnswerServer(body) as server:
        point_at(panel, server.url)
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.UNKNOWN
    assert order.remote_id is None
    assert order.add_answer == body.decode()[:2000]
    assert why in order.last_error
    assert "the panel may have placed it" in order.last_error


def test_a_database_error_while_recording_still_ends_unknown_with_the_answer(
    panel, monkeypatch, caplog
):
    def broken(*args: object, **kwargs: object) -> None:
        raise DataError("value too long")

    monkeypatch.setattr(OrderStatusChange.objects, "create", broken)
    with AnswerServer(b'{"order": 4242}') as server:
        point_at(panel, server.url)
        order = order_dispatch(order=claimed(panel))

    assert order.state == State.UNKNOWN
    assert order.remote_id is None
    assert order.add_answer == '{"order": 4242}'
    assert "could not be recorded" in order.last_error
    assert "could not be recorded" in caplog.text
    assert KEY not in caplog.text


def test_a_key_this_worker_cannot_decrypt_sends_nothing_and_requeues(sim, panel):
    Panel.objects.filter(pk=panel.pk).update(api_key_encrypted="gAAAAAB-not-a-token")

    order = place(service_of(panel, "default"))

    assert order.state == State.QUEUED
    assert order.next_attempt_at > timezone.now()
    assert "Not sent yet: this worker cannot decrypt the panel's API key" in order.last_error
    assert "PANEL_KEY_ENCRYPTION_KEYS" in order.last_error
    assert adds(sim) == 0
