"""The order field table (orders.fields.FIELDS, with the wire half in panels.api.order_types)
is the one place an order field is described: the form, validation, the `add` body, the upload
columns and templates, and the order page all follow it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from orders.fields import FIELDS, LIST, NUMBER, FieldSpec
from orders.forms import OrderForm
from orders.models import Order
from orders.services import order_create
from orders.services.uploads import upload_check
from orders.uploads import upload_columns, upload_template_csv
from orders.validation import stored_values, validate_order
from panels.api.order_types import LIST_FIELDS, ORDER_TYPES, OrderType, add_fields
from panels.models import Panel, Service
from tests.orders.helpers import text

pytestmark = pytest.mark.django_db

# A made-up order type with a made-up field: nothing but the two tables knows them.
MADE_UP = OrderType("reactions", "Reactions", ("link", "quantity", "reaction_count"))
REACTION_COUNT = FieldSpec(
    "Reactions per post",
    "How many reactions each post gets.",
    kind=NUMBER,
    high=10,
    half=True,
    example="7",
)


@pytest.fixture
def made_up(monkeypatch: pytest.MonkeyPatch) -> Service:
    monkeypatch.setitem(ORDER_TYPES, MADE_UP.key, MADE_UP)
    monkeypatch.setitem(FIELDS, "reaction_count", REACTION_COUNT)
    panel = Panel(
        name="Sim", api_url="https://sim.example/api/v2", currency="USD", balance=Decimal("1000")
    )
    panel.api_key = "k"
    panel.save()
    return Service.objects.create(
        panel=panel,
        remote_id="42",
        name="Post reactions",
        type=MADE_UP.key,
        rate=Decimal("2"),
        min_quantity=10,
        max_quantity=5000,
    )


def test_a_field_added_to_the_table_reaches_the_form_validation_add_and_uploads(
    made_up: Service, logged_in: Client, user
) -> None:
    # The form: the field, its label, its help and its limits.
    form = OrderForm(made_up)
    assert form.names == ["link", "quantity", "reaction_count"]
    assert form.fields["reaction_count"].label == "Reactions per post"
    assert form.help_for("reaction_count") == "How many reactions each post gets."
    assert form.fields["reaction_count"].widget.attrs["max"] == 10
    page = text(logged_in.get(reverse("orders:new"), {"service": made_up.pk}).content.decode())
    assert "Reactions per post" in page
    assert "How many reactions each post gets." in page

    # Validation: a bad value is refused on that field, saying why.
    good = {"link": "https://x.com/p/1", "quantity": "100", "reaction_count": "7"}
    clean, errors = validate_order(made_up, {**good, "reaction_count": "11"})
    assert clean is None
    assert errors == {"reaction_count": ["Must be at most 10."]}
    _, errors = validate_order(made_up, {**good, "reaction_count": "lots"})
    assert errors == {"reaction_count": ["Enter a whole number, not 'lots'."]}
    _, errors = validate_order(made_up, {"link": "https://x.com/p/1", "quantity": "100"})
    assert errors == {"reaction_count": ["Required for this service."]}
    response = logged_in.post(
        reverse("orders:new"), {"service": made_up.pk, **good, "reaction_count": "11"}
    )
    assert "Must be at most 10." in text(response.content.decode())
    assert not Order.objects.exists()

    # The `add` body: the order keeps the field, and the body sent to the panel carries it.
    order = order_create(service=made_up, values=good)
    assert order.params == {"reaction_count": "7"}
    assert add_fields(order.order_type, stored_values(order)) == {
        "link": "https://x.com/p/1",
        "quantity": "100",
        "reaction_count": "7",
    }

    # Uploads: a column of its own, read and checked like the form's field...
    assert "reaction_count" in upload_columns()
    rows = (
        "panel,service,link,quantity,reaction_count\r\n"
        "Sim,42,https://x.com/p/2,100,3\r\nSim,42,https://x.com/p/3,100,12\r\n"
    )
    upload = upload_check(kind="csv", data=rows.encode(), filename="r.csv", user=user)
    assert [row["values"] for row in upload.valid_rows] == [
        {"link": "https://x.com/p/2", "quantity": "100", "reaction_count": "3"}
    ]
    assert [row["errors"] for row in upload.invalid_rows] == [
        ["Reaction count: Must be at most 10."]
    ]
    # ...and in the template: in the header, and a row for the type with the field's example.
    template = list(csv.DictReader(io.StringIO(upload_template_csv("Sim"))))
    assert [row["reaction_count"] for row in template if row["reaction_count"]] == ["7"]

    # The order page shows it under its label.
    page = text(logged_in.get(reverse("orders:detail", args=[order.pk])).content.decode())
    assert "Reactions per post 7" in page


def test_every_field_of_every_type_is_in_the_table() -> None:
    for spec in ORDER_TYPES.values():
        assert set(spec.fields) <= set(FIELDS), spec.key
        assert set(spec.optional) <= set(spec.fields), spec.key


def test_the_lists_of_the_table_are_the_lists_sent_one_per_line() -> None:
    assert {name for name, spec in FIELDS.items() if spec.kind == LIST} == LIST_FIELDS
    assert all(spec.noun for spec in FIELDS.values() if spec.kind == LIST)


def test_the_order_page_labels_a_field_as_the_form_does(logged_in: Client) -> None:
    """The order page used to say "Delay (minutes)" where the form says "Delay"."""
    panel = Panel(name="Sim", api_url="https://sim.example/api/v2", currency="USD")
    panel.api_key = "k"
    panel.save()
    service = Service.objects.create(
        panel=panel,
        remote_id="17",
        name="Auto likes",
        type="subscriptions",
        rate=Decimal("1"),
        min_quantity=10,
        max_quantity=5000,
    )
    order = order_create(
        service=service, values={"username": "natgeo", "min": "100", "max": "200", "delay": "30"}
    )

    page = text(logged_in.get(reverse("orders:detail", args=[order.pk])).content.decode())

    for name in ("username", "min", "max", "delay"):
        assert f"{FIELDS[name].label} {order.params[name]}" in page
    assert "Delay (minutes)" not in page
