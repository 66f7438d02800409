"""The upload pages as a reseller meets them: where the upload page is linked from, the template
filled from their own services, and what a submitted upload's page says."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from functools import partial

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Order, Upload
from orders.services.upload_template import filled_template_rows, template_services
from orders.services.uploads import upload_check, upload_submit
from panels.api.order_types import ORDER_TYPES, OTHER
from panels.models import Panel
from tests.factories import PanelFactory, ServiceFactory
from tests.orders.helpers import text

# The catalog the templates are filled from: services named after their ids.
make_panel = partial(PanelFactory, currency="USD", balance=Decimal("1000"))
make_service = partial(ServiceFactory, numbered_name=True, rate=Decimal("0.50"), max_quantity=5000)

pytestmark = pytest.mark.django_db


def every_type(panel: Panel) -> None:
    """A service of every order type, with limits a template has to respect."""
    for number, key in enumerate(k for k in ORDER_TYPES if k != OTHER):
        make_service(
            panel=panel,
            remote_id=str(200 + number),
            type=key,
            min_quantity=20 if key != "default" else 50,
            max_quantity=300,
        )


# ---- where the upload page is linked from ------------------------------------------------


@pytest.mark.parametrize("url", ["/orders/", "/orders/new/", "/orders/bulk/history/"])
def test_order_pages_link_to_the_upload_page(logged_in: Client, url: str) -> None:
    page = logged_in.get(url).content.decode()
    assert 'href="/orders/upload/"' in page


# ---- the template filled from the user's services -----------------------------------------


def test_the_filled_template_has_a_valid_row_per_type_the_panels_offer(logged_in, user) -> None:
    panel = make_panel(name="Beta SMM")
    every_type(panel)
    make_service(panel=panel, remote_id="900", dripfeed=True, min_quantity=100, max_quantity=10_000)
    make_service(panel=panel, remote_id="901", is_active=False)  # never in a template
    make_service(
        panel=make_panel(name="Off", is_active=False), remote_id="5"
    )  # a disabled panel neither

    response = logged_in.get(reverse("orders:upload_template_filled"))

    assert response.status_code == 200
    assert "orders-template-my-panels.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["panel"] for row in rows} == {"Beta SMM"}
    # Every type once, and Default again with drip-feed from the service that offers it.
    services = [row["service"] for row in rows]
    assert len(rows) == len(ORDER_TYPES) - 1 + 1
    assert services.count("900") == 1
    assert "901" not in services
    assert [row["runs"] for row in rows if row["service"] == "900"] == ["5"]
    # It uploads as it is: every row passes the check.
    upload = upload_check(kind=Upload.Kind.CSV, data=response.content, user=user)
    assert (upload.rows_valid, upload.rows_invalid) == (len(rows), 0)


def test_the_filled_template_keeps_within_each_services_limits(db) -> None:
    panel = make_panel(name="Gamma")
    make_service(panel=panel, remote_id="1", type="custom_comments", min_quantity=7, max_quantity=9)
    make_service(panel=panel, remote_id="2", type="default", min_quantity=2000, max_quantity=3000)
    make_service(panel=panel, remote_id="3", type="subscriptions", min_quantity=50, max_quantity=80)
    make_service(
        panel=panel, remote_id="4", type="mentions_custom_list", min_quantity=5000
    )  # no sane example

    rows = {
        service.remote_id: values
        for _, service, values in filled_template_rows(template_services())
    }

    assert rows["1"]["comments"].count("\n") + 1 == 7
    assert rows["2"]["quantity"] == "2000"
    assert (rows["3"]["min"], rows["3"]["max"]) == ("50", "80")
    assert "4" not in rows


def test_without_services_only_the_generic_template_is_offered(logged_in: Client) -> None:
    make_panel(name="Empty")  # connected, catalog not synced yet

    page = text(logged_in.get(reverse("orders:upload")).content.decode())
    assert "Your panels have no services yet" in page
    assert "Download a template with your services" not in page
    html = logged_in.get(reverse("orders:upload")).content.decode()
    assert reverse("orders:upload_template") in html
    assert reverse("orders:upload_template_filled") not in html

    response = logged_in.get(reverse("orders:upload_template_filled"), follow=True)
    assert response.redirect_chain == [(reverse("orders:upload"), 302)]
    assert "None of your panels has an active service" in response.content.decode()


def test_with_services_the_filled_template_comes_first(logged_in: Client) -> None:
    make_service(panel=make_panel(name="Beta"), remote_id="1")
    html = logged_in.get(reverse("orders:upload")).content.decode()
    filled = html.index(reverse("orders:upload_template_filled"))
    assert filled < html.index(reverse("orders:upload_template"))
    assert "Your panels have no services yet" not in html


# ---- after submitting -------------------------------------------------------------------


def test_a_submitted_upload_says_what_was_queued_and_links_each_order(logged_in, user) -> None:
    panel = make_panel(name="Beta")
    make_service(panel=panel, remote_id="1")
    data = (
        "panel,service,link,quantity\nBeta,1,https://x.com/a,100\nBeta,1,https://x.com/b,5\n"
        "Beta,1,https://x.com/c,200\n"
    )
    upload = upload_check(kind=Upload.Kind.CSV, data=data.encode(), user=user)
    url = reverse("orders:upload_preview", args=[upload.pk])
    assert "2 of 3 rows can be queued" in text(logged_in.get(url).content.decode())

    upload_submit(upload=upload, user=user)
    html = logged_in.get(url).content.decode()
    page = text(html)

    assert "2 orders queued from 3 rows" in page
    assert "can be queued" not in page
    assert "Queued orders" in page
    assert "1 row with problems, not queued" in page
    for order in Order.objects.filter(upload=upload):
        assert f'href="/orders/{order.pk}/"' in html
    assert 'id="upload-progress"' in html  # and the progress of sending them, live
