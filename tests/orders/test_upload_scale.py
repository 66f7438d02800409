"""Uploads at size: the check and the submit read and write in the same number of queries for
nine rows as for 270, every kind of row among them (plain, custom comments, drip-feed, routed
to the best panel of two offers, priced by the row or by a rule, on a panel in another
currency, and rows held back); and the orders queued together are the ones `order_create`
makes, with every rule of the upload flow kept (benchmarks/upload.py times 20,000 rows)."""

from __future__ import annotations

import math
from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from currency.models import ExchangeRate
from orders.models import Order, Upload
from orders.price_models import PriceRule
from orders.services.create import order_create
from orders.services.uploads import upload_check, upload_submit
from orders.views import uploads as views
from panels.models import Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.orders.helpers import text

HEADER = "panel,service,link,quantity,comments,runs,interval,sale_price,customer,route\n"
# One of each kind of row; {link} is the row's own link, {first} the first row's of its
# cycle, {held} a link with an active order on B since before the check.
CYCLE = (
    "A,1,{link},100,,,,,,",  # plain, priced by the rule
    "B,1,{link},200,,,,3.50,client-7,",  # B bills in EUR; its own sale price and customer
    'A,5,{link},,"Nice\nGreat",,,,,',  # custom comments
    "A,6,{link},100,,3,30,,,",  # drip-feed
    "A,7,{link},100,,,,,,best",  # routed: the cheapest panel selling the offer
    "B,8,{link},100,,,,,,best",  # routed, another offer
    "A,1,{link},5,,,,,,",  # under the service's minimum
    "A,1,{first},100,,,,,,",  # the same panel, service and link as the first row
    "B,1,{held},100,,,,,,",  # a link with an active order
)
VALID_PER_CYCLE = 6

make_panel = partial(PanelFactory, balance=Decimal("1000"))


@pytest.fixture
def catalog(db):
    a = make_panel(name="A", currency="USD")
    b = make_panel(name="B", currency="EUR")
    ExchangeRate.objects.create(
        day=timezone.localdate(), base="USD", currency="EUR", rate=Decimal("0.9")
    )
    services = {}
    for panel in (a, b):
        for remote_id, extra in (
            ("1", {"name": "Plain"}),
            ("5", {"name": "Comments", "type": "custom_comments", "min_quantity": 1}),
            ("6", {"name": "Drip", "dripfeed": True}),
            ("7", {"name": "Instagram Followers [Real]"}),
            ("8", {"name": "Instagram Likes"}),
        ):
            services[panel.name, remote_id] = ServiceFactory(
                panel=panel, remote_id=remote_id, rate=Decimal("1.00"), **extra
            )
    assert services["A", "7"].match_key
    assert services["A", "8"].match_key
    assert services["A", "7"].match_key == services["B", "7"].match_key
    PriceRule.objects.create(scope=PriceRule.Scope.DEFAULT, markup_percent=Decimal("30"))
    return {"a": a, "b": b, "services": services}


def rows(cycles: int, tag: str, catalog) -> str:
    lines: list[str] = []
    for c in range(cycles):
        held = f"https://x.com/{tag}/held{c}"
        OrderFactory(service=catalog["services"]["B", "1"], link=held)
        first = f"https://x.com/{tag}/{c}-0"
        for n, line in enumerate(CYCLE):
            lines.append(line.format(link=f"https://x.com/{tag}/{c}-{n}", first=first, held=held))
    return HEADER + "\n".join(lines) + "\n"


def check(user, text: str) -> Upload:
    return upload_check(kind="csv", data=text.encode(), filename="orders.csv", user=user)


def insert_batches(orders: int) -> int:
    """The INSERTs queueing this many orders: one on PostgreSQL; SQLite's bulk insert is cut
    to its limit of variables per statement."""
    if connection.vendor == "postgresql":
        return 1
    fields = [f for f in Order._meta.concrete_fields if not f.primary_key]
    return math.ceil(orders / connection.ops.bulk_batch_size(fields, [None] * orders))


def measure(user, catalog, cycles: int, tag: str) -> tuple[int, int, Upload]:
    """(queries of the check, queries of the submit, the upload) for a file of `cycles`
    cycles; between the two, someone orders the first row's link on A (refused at submit)."""
    text = rows(cycles, tag, catalog)
    with CaptureQueriesContext(connection) as checked:
        upload = check(user, text)
    assert upload.rows_valid == VALID_PER_CYCLE * cycles, upload.invalid_rows[:3]
    assert sum(1 for entry in upload.valid_rows if entry.get("route")) == 2 * cycles
    OrderFactory(service=catalog["services"]["A", "1"], link=f"https://x.com/{tag}/0-0")
    with CaptureQueriesContext(connection) as submitted:
        created = upload_submit(upload=upload, user=user)
    assert created == VALID_PER_CYCLE * cycles - 1
    assert upload.rows_invalid == 3 * cycles + 1
    return len(checked), len(submitted), upload


def test_the_check_and_the_submit_read_as_much_for_9_rows_as_for_270(catalog, user):
    check(user, HEADER + "A,1,https://x.com/warm,100,,,,,,\n")  # what a first call caches

    small_check, small_submit, _ = measure(user, catalog, 1, "small")
    big_check, big_submit, _ = measure(user, catalog, 30, "big")

    assert big_check == small_check
    # The panels, the services named, the offers (the base currency, their services, the
    # rates), the services chosen, the active orders, the price rules, the base currency, the
    # upload.
    assert small_check <= 10
    extra = insert_batches(30 * VALID_PER_CYCLE - 1) - insert_batches(VALID_PER_CYCLE - 1)
    assert big_submit == small_submit + extra
    # The upload, its panels' locks (none on SQLite), the twin check, the rows queued
    # already, the active orders, the panels, the offers (three), the services, the orders,
    # the upload again; and in a test, whose transaction it runs in, a savepoint and its
    # release.
    assert small_submit <= 14


def test_the_orders_queued_together_are_those_order_create_makes(catalog, user):
    upload = check(user, rows(2, "same", catalog))
    assert upload_submit(upload=upload, user=user) == 2 * VALID_PER_CYCLE
    entries = {entry["row"]: entry for entry in upload.valid_rows}
    skip = {"id", "client_ref", "created_at", "updated_at", "upload_id", "upload_row", "link_key"}
    queued = list(Order.objects.filter(upload=upload).select_related("service__panel"))
    assert len(queued) == 2 * VALID_PER_CYCLE
    for order in queued:
        entry = entries[order.upload_row]
        one = order_create(
            service=order.service,
            values=entry["values"],
            placed_by=user,
            source=Order.Source.CSV,
            dispatch=False,
            sale_price=order.sale_price,
            customer_ref=entry.get("customer", ""),
            route=order.route or None,
        )
        one.refresh_from_db()
        fields = [f.attname for f in Order._meta.concrete_fields if f.attname not in skip]
        assert {f: getattr(order, f) for f in fields} == {f: getattr(one, f) for f in fields}
        assert order.link_key == one.link_key != ""
    routed = [order for order in queued if order.route]
    assert len(routed) == 4
    assert all(order.route["note"] for order in routed)
    suggested = [order for order in queued if not entries[order.upload_row].get("sale_price")]
    assert suggested
    assert all(order.sale_price for order in suggested)  # the rule's price


def test_they_are_sent_in_row_order_and_each_panel_woken_once(
    catalog, user, django_capture_on_commit_callbacks
):
    upload = check(user, rows(3, "order", catalog))
    with django_capture_on_commit_callbacks() as callbacks:
        created = upload_submit(upload=upload, user=user)
    assert created == 3 * VALID_PER_CYCLE
    panels = set(Order.objects.filter(upload=upload).values_list("panel_id", flat=True))
    assert len(callbacks) == len(panels) == 2
    # The dispatcher claims a panel's oldest queued order first (created_at, then id).
    claimed = Order.objects.filter(upload=upload, state=Order.State.QUEUED)
    numbers = list(claimed.order_by("created_at", "pk").values_list("upload_row", flat=True))
    assert numbers == sorted(numbers)
    assert upload_submit(upload=upload, user=user) == 0  # each row once


def test_rows_no_longer_valid_when_queued_are_refused_with_why(catalog, user):
    upload = check(
        user,
        HEADER + "A,1,https://x.com/v1,100,,,,,,\n"
        'A,5,https://x.com/v2,,"Nice",,,,,\n'
        "A,6,https://x.com/v3,100,,,,,,\n"
        "A,7,https://x.com/v4,100,,,,,,best\n"
        "A,8,https://x.com/v5,100,,,,,,\n",
    )
    assert upload.rows_valid == 5, upload.invalid_rows
    services = catalog["services"]
    Service.objects.filter(pk=services["A", "1"].pk).update(min_quantity=500)
    Service.objects.filter(pk=services["A", "5"].pk).update(is_active=False)
    Service.objects.filter(pk=services["A", "6"].pk).delete()
    Service.objects.filter(match_key=services["A", "7"].match_key).update(is_active=False)

    assert upload_submit(upload=upload, user=user) == 1

    why = {row["row"]: row["errors"] for row in upload.invalid_rows}
    assert why[2] == [
        "No longer valid when queued: Quantity 100 is below the service's minimum of 500."
    ]
    assert why[3] == [
        "No longer valid when queued: This service is no longer offered (or its panel is disabled)."
    ]
    assert why[4] == ["The service was removed before the rows were queued."]
    assert why[5][0].startswith("No longer valid when queued: No panel can take this order")
    assert all(row["at_submit"] for row in upload.invalid_rows)
    assert [entry["row"] for entry in upload.valid_rows] == [6]
    assert Order.objects.get(upload=upload).upload_row == 6


def test_the_page_of_a_big_upload_shows_the_first_rows_and_counts_the_others(
    catalog, user, logged_in, monkeypatch
):
    monkeypatch.setattr(views, "PREVIEW_ROWS", 4)  # 200 on the page: the same with fewer rows
    monkeypatch.setattr(views, "REFUSED_SHOWN", 2)  # 20
    upload = check(user, rows(2, "page", catalog))
    page = logged_in.get(reverse("orders:upload_preview", args=[upload.pk]))
    body = page.content.decode()
    assert body.count('<td class="num upload-row-number"') == 4 + 4  # valid, then invalid
    assert "And 8 more: see the CSV." in text(body)  # 12 valid rows
    assert "And 2 more: see the CSV." in text(body)  # 6 invalid rows

    # Meanwhile five of its links got an order elsewhere: refused when queued.
    for entry in upload.valid_rows[:5]:
        OrderFactory(service=Service.objects.get(pk=entry["service_id"]), link=entry["link"])
    logged_in.post(reverse("orders:upload_submit", args=[upload.pk]))
    body = logged_in.get(reverse("orders:upload_preview", args=[upload.pk])).content.decode()
    assert "5 rows could not be queued when submitted" in text(body)
    assert body.count("This link already has an active order") == 2 + 4  # alert, then table
    assert "And 3 more: the rows below and the CSV say why." in text(body)
    progress = logged_in.get(reverse("orders:upload_progress", args=[upload.pk]))
    assert progress.content.decode().count('<td class="num upload-row-number"') == 4


def test_rows_routed_to_more_offers_read_no_more(catalog, user):
    check(user, HEADER + "A,1,https://x.com/warm,100,,,,,,\n")  # what a first call caches
    one_offer = "A,7,https://x.com/{n}/a,100,,,,,,best\nA,7,https://x.com/{n}/b,100,,,,,,best\n"
    two_offers = "A,7,https://x.com/{n}/a,100,,,,,,best\nA,8,https://x.com/{n}/b,100,,,,,,best\n"
    counts = []
    for n, body in enumerate((one_offer, two_offers)):
        with CaptureQueriesContext(connection) as checked:
            upload = check(user, HEADER + body.format(n=n))
        with CaptureQueriesContext(connection) as submitted:
            assert upload_submit(upload=upload, user=user) == 2
        counts.append((len(checked), len(submitted)))
    assert counts[0] == counts[1]
