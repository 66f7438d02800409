"""The bulk refill/cancel pages: preview, confirm once per token, the result page and its CSV,
the history, the refills list, and the Refill / Cancel buttons of one order."""

from __future__ import annotations

import csv
import io
import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from orders.models import BulkAction, BulkItem, Order, Refill, Upload
from orders.services import orders_status_sync
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.orders.helpers import place, service_of

pytestmark = pytest.mark.django_db
State = Order.State
PREVIEW, CREATE = "/orders/bulk/preview/", "/orders/bulk/"


def finish(sim, panel) -> None:
    sim.advance(60)
    orders_status_sync(panel=panel)


def make_bulk(**fields: object) -> BulkAction:
    values: dict[str, object] = {
        "kind": "refill",
        "state": "done",
        "total": 3,
        "eligible": 2,
        "sent": 2,
        "succeeded": 1,
        "failed": 1,
    }
    values.update(fields)
    return BulkAction.objects.create(**values)


def test_every_page_needs_a_login(client: Client, db: None) -> None:
    bulk = make_bulk()
    for url in (
        f"{PREVIEW}?kind=refill&ids=1",
        f"/orders/bulk/{bulk.pk}/",
        f"/orders/bulk/{bulk.pk}/export.csv",
        "/orders/bulk/history/",
        "/orders/refills/",
    ):
        assert client.get(url)["Location"].startswith("/accounts/login/"), url
    response = client.post(CREATE, {"kind": "refill", "token": str(uuid.uuid4())})
    assert response.status_code == 302
    assert not BulkAction.objects.exclude(pk=bulk.pk).exists()


def test_posts_need_the_csrf_token(user: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    panel = PanelFactory()
    order = OrderFactory(service=ServiceFactory(panel=panel))
    assert (
        client.post(
            CREATE, {"kind": "refill", "token": str(uuid.uuid4()), "selection": f"ids={order.pk}"}
        ).status_code
        == 403
    )
    assert client.post(f"/orders/{order.pk}/refill/").status_code == 403
    assert client.post(f"/orders/{order.pk}/cancel/").status_code == 403
    assert not BulkAction.objects.exists()


def test_the_preview_counts_and_explains(logged_in: Client, sim, panel) -> None:
    ok = place(service_of(panel, "default", refill=True))
    no = place(service_of(panel, "default", refill=False))
    finish(sim, panel)
    queued = Order.objects.create(
        panel=panel, service=ok.service, link="https://x.test/q", quantity=100, state=State.QUEUED
    )

    html = logged_in.get(
        PREVIEW, {"kind": "refill", "ids": [ok.pk, no.pk, queued.pk]}
    ).content.decode()

    assert 'id="bulk-total">3<' in html
    assert 'id="bulk-eligible">1<' in html
    assert "The service does not offer refill." in html
    assert "It was never placed on the panel." in html
    assert 'name="token"' in html
    assert f'value="ids={ok.pk}&amp;ids={no.pk}' in html


def test_the_preview_names_the_ticked_orders_in_singular_or_plural(logged_in: Client) -> None:
    service = ServiceFactory(panel=PanelFactory())
    one, two = OrderFactory(service=service), OrderFactory(service=service)
    html = logged_in.get(PREVIEW, {"kind": "refill", "ids": [one.pk]}).content.decode()
    assert "1 ticked order<" in html
    html = logged_in.get(PREVIEW, {"kind": "refill", "ids": [one.pk, two.pk]}).content.decode()
    assert "2 ticked orders<" in html


def test_select_all_matching_uses_the_filter_not_ids(logged_in: Client) -> None:
    alpha, beta = PanelFactory(name="Alpha"), PanelFactory(name="Beta")
    one, two = ServiceFactory(panel=alpha), ServiceFactory(panel=beta)
    for _ in range(70):
        OrderFactory(service=one)
    for _ in range(50):
        OrderFactory(service=two)

    response = logged_in.get(PREVIEW, {"kind": "refill", "all": "1", "panel": alpha.pk})
    html = response.content.decode()

    assert response.context["preview"].total == 70
    assert 'id="bulk-total">70<' in html
    assert response.context["query"] == f"all=1&panel={alpha.pk}"
    assert "ids=" not in response.context["query"]

    token = str(uuid.uuid4())
    logged_in.post(
        CREATE, {"kind": "refill", "token": token, "selection": response.context["query"]}
    )
    bulk = BulkAction.objects.get()
    assert bulk.total == 70
    assert bulk.eligible == 0


def test_the_same_token_twice_acts_once(logged_in: Client) -> None:
    order = OrderFactory(service=ServiceFactory(panel=PanelFactory()))
    data = {"kind": "cancel", "token": str(uuid.uuid4()), "selection": f"ids={order.pk}"}
    first = logged_in.post(CREATE, data)
    second = logged_in.post(CREATE, data)
    bulk = BulkAction.objects.get()
    assert first["Location"] == second["Location"] == f"/orders/bulk/{bulk.pk}/"
    assert bulk.items.count() == 1
    assert bulk.created_by.username == "alice"


def test_a_bad_kind_or_token_changes_nothing(logged_in: Client) -> None:
    assert logged_in.get(PREVIEW, {"kind": "delete"}).status_code == 404
    assert logged_in.post(CREATE, {"kind": "refill", "token": "nope"}).status_code == 400
    assert not BulkAction.objects.exists()


def _items(bulk: BulkAction, panel_name: str = "Alpha") -> list[Order]:
    service = ServiceFactory(panel=PanelFactory(name=panel_name))
    orders = [OrderFactory(service=service, remote_id=str(n)) for n in range(3)]
    BulkItem.objects.create(bulk=bulk, order=orders[0], outcome="done")
    BulkItem.objects.create(
        bulk=bulk, order=orders[1], outcome="rejected", message='=HYPERLINK("http://evil")'
    )
    BulkItem.objects.create(
        bulk=bulk, order=orders[2], outcome="skipped", message="Only completed or partial orders."
    )
    return orders


def test_the_result_page_counts_and_filters(logged_in: Client) -> None:
    bulk = make_bulk()
    orders = _items(bulk)
    html = logged_in.get(f"/orders/bulk/{bulk.pk}/").content.decode()
    assert 'id="bulk-succeeded">1<' in html
    assert 'id="bulk-failed">1<' in html
    assert html.count('class="bulk-item"') == 3
    assert 'hx-trigger="every 1s"' not in html  # done: nothing polls

    html = logged_in.get(f"/orders/bulk/{bulk.pk}/", {"outcome": "rejected"}).content.decode()
    assert html.count('class="bulk-item"') == 1
    assert f"/orders/{orders[1].pk}/" in html


def test_the_result_polls_until_done(logged_in: Client) -> None:
    bulk = make_bulk(state="running")
    _items(bulk)
    assert 'hx-trigger="every 1s"' in logged_in.get(f"/orders/bulk/{bulk.pk}/").content.decode()
    poll = logged_in.get(f"/orders/bulk/{bulk.pk}/", headers={"HX-Request": "true"})
    assert poll.status_code == 200
    assert b'id="bulk-live"' in poll.content
    BulkAction.objects.filter(pk=bulk.pk).update(state="done")
    poll = logged_in.get(f"/orders/bulk/{bulk.pk}/", headers={"HX-Request": "true"})
    assert poll.status_code == 286
    assert b'id="bulk-live"' in poll.content
    assert b"every 1s" not in poll.content


def test_the_csv_is_neutralised(logged_in: Client) -> None:
    bulk = make_bulk()
    _items(bulk)
    response = logged_in.get(f"/orders/bulk/{bulk.pk}/export.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Order"
    assert len(rows) == 4
    assert rows[2][6] == '\'=HYPERLINK("http://evil")'


def test_panel_text_is_escaped(logged_in: Client) -> None:
    bulk = make_bulk()
    orders = _items(bulk, panel_name="<script>alert(1)</script>")
    for url in (f"/orders/bulk/{bulk.pk}/", f"{PREVIEW}?kind=refill&ids={orders[0].pk}"):
        html = logged_in.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_history_and_refills_list(logged_in: Client) -> None:
    bulk = make_bulk(description="3 ticked orders")
    orders = _items(bulk)
    Refill.objects.create(order=orders[0], remote_id="R-77", status="pending")
    Refill.objects.create(order=orders[1], remote_id="R-88", status="completed")
    upload = Upload.objects.create(kind=Upload.Kind.CSV, filename="june.csv", rows_total=2)
    html = logged_in.get("/orders/bulk/history/").content.decode()
    assert f"/orders/bulk/{bulk.pk}/" in html
    assert "3 ticked orders" in html
    assert f'href="/orders/upload/{upload.pk}/"' in html  # uploads drill down too
    html = logged_in.get("/orders/refills/", {"status": "pending"}).content.decode()
    assert "R-77" in html
    assert "R-88" not in html
    assert f"/orders/{orders[0].pk}/" in html
    html = logged_in.get("/orders/refills/", {"panel": orders[0].panel_id}).content.decode()
    assert "R-77" in html
    assert "R-88" in html


def test_the_list_offers_selection(logged_in: Client) -> None:
    service = ServiceFactory(panel=PanelFactory())
    for _ in range(60):
        OrderFactory(service=service)
    html = logged_in.get("/orders/").content.decode()
    assert "Select all 60 matching" in html
    assert "Refill selected" in html
    assert "/orders/bulk/history/" in html


def test_the_detail_refill_button_refills(
    logged_in: Client, sim, panel, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    order = place(service_of(panel, "default", refill=True))
    finish(sim, panel)
    html = logged_in.get(f"/orders/{order.pk}/").content.decode()
    assert f'action="/orders/{order.pk}/refill/"' in html
    assert f'action="/orders/{order.pk}/cancel/"' not in html
    assert "Only orders still running can be canceled." in html

    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post(f"/orders/{order.pk}/refill/")

    bulk = BulkAction.objects.get()
    assert response["Location"] == f"/orders/bulk/{bulk.pk}/"
    assert (bulk.state, bulk.succeeded) == ("done", 1)
    refill = Refill.objects.get(order=order)
    html = logged_in.get(f"/orders/{order.pk}/").content.decode()
    assert refill.remote_id
    assert refill.remote_id in html
    assert "A refill of this order is still in progress." in html


def test_the_preview_counts_only_the_panels_the_eligible_orders_go_to(logged_in: Client) -> None:
    eligible = OrderFactory(
        service=ServiceFactory(panel=PanelFactory(name="Alpha"), refill=True),
        state=State.PLACED,
        status="completed",
        remote_id="1",
    )
    others = [
        OrderFactory(
            service=ServiceFactory(panel=PanelFactory(name=name), refill=True), state=State.QUEUED
        )
        for name in ("Beta", "Gamma")
    ]

    ids = [eligible.pk, *(o.pk for o in others)]
    page = " ".join(logged_in.get(PREVIEW, {"kind": "refill", "ids": ids}).content.decode().split())

    assert "1 order will be sent to 1 panel, 100 per request." in page


def test_cancel_asks_first_and_sends_nothing(logged_in: Client, sim, panel) -> None:
    order = place(service_of(panel, "default", cancel=True))
    html = logged_in.get(f"/orders/{order.pk}/").content.decode()
    # Its own card, not under "Refills", and a step before anything is sent.
    card = html[html.index('id="cancel"') :]
    assert f'action="/orders/{order.pk}/cancel/"' in card
    refills = html[html.index('id="refills-title"') : html.index('id="raw-title"')]
    assert "/cancel/" not in refills

    response = logged_in.post(f"/orders/{order.pk}/cancel/")

    html = response.content.decode()
    assert response.status_code == 200
    assert f"Cancel order #{order.pk} on Sim?" in html
    assert 'name="confirm" value="1"' in html
    assert not BulkAction.objects.exists()
    assert not sim.requests("cancel")


def _confirm_token(client: Client, order: Order) -> str:
    html = client.post(f"/orders/{order.pk}/cancel/").content.decode()
    return html.split('name="token" value="', 1)[1].split('"', 1)[0]


def test_a_confirmed_cancel_comes_back_to_the_order_with_the_answer(
    logged_in: Client, sim, panel
) -> None:
    order = place(service_of(panel, "default", cancel=True))
    data = {"confirm": "1", "token": _confirm_token(logged_in, order)}

    response = logged_in.post(f"/orders/{order.pk}/cancel/", data)
    again = logged_in.post(f"/orders/{order.pk}/cancel/", data)  # a double click

    assert response["Location"] == again["Location"] == f"/orders/{order.pk}/"
    html = logged_in.get(f"/orders/{order.pk}/").content.decode()
    assert f"Order #{order.pk}: Sim accepted the cancel." in html
    card = html[html.index('id="cancel"') :]
    assert "Sim accepted the cancel." in card  # stays on the page, not only as a message
    assert "Only orders still running can be canceled." in card
    order.refresh_from_db()
    assert order.status == "canceled"  # fetched at once
    assert len(sim.requests("cancel")) == 1
    assert BulkAction.objects.get().items.get().outcome == "done"


def test_a_refused_cancel_shows_the_panels_reason(logged_in: Client, sim, panel) -> None:
    service = service_of(panel, "default", cancel=False)
    order = place(service)
    service.cancel = True  # our catalog says yes; the panel says no
    service.save(update_fields=["cancel"])
    data = {"confirm": "1", "token": _confirm_token(logged_in, order)}

    html = logged_in.post(f"/orders/{order.pk}/cancel/", data, follow=True).content.decode()

    item = BulkItem.objects.get()
    assert item.outcome == "rejected"
    assert item.message
    assert f"Order #{order.pk}: Sim refused to cancel it: {item.message}" in html
    card = html[html.index('id="cancel"') :]
    assert f"refused to cancel it: {item.message}" in card


def test_cancel_of_an_order_that_cannot_be_canceled_says_why(logged_in: Client, sim, panel) -> None:
    order = place(service_of(panel, "default", cancel=False))
    for data in ({}, {"confirm": "1", "token": str(uuid.uuid4())}):
        response = logged_in.post(f"/orders/{order.pk}/cancel/", data, follow=True)
        assert "cannot be canceled: The service does not offer cancel." in (
            response.content.decode()
        )
    assert not BulkAction.objects.exists()


def test_an_ineligible_order_is_not_sent(logged_in: Client, sim, panel) -> None:
    order = place(service_of(panel, "default", refill=False))
    finish(sim, panel)
    response = logged_in.post(f"/orders/{order.pk}/refill/", follow=True)
    assert "The service does not offer refill." in response.content.decode()
    assert not BulkAction.objects.exists()
