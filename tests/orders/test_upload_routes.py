"""Upload rows that order an offer (`route` = best): the check picks the panel and says why,
refuses what cannot be routed, holds back a link active on any panel of the offer or named
twice, and the submit places each routed row once, on the panel routing picks then."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orders.models import Order, Upload
from orders.services.upload_routes import ROUTE_HELP
from orders.services.uploads import upload_check, upload_submit
from panels.models import Panel, Service
from tests.factories import OrderFactory, PanelFactory, ServiceFactory
from tests.orders.helpers import text

HEADER = "panel,service,link,quantity,route\n"
make_panel = partial(PanelFactory, currency="USD", balance=Decimal("100"))
# One offer on three panels: the same name, so the same match key.
make_service = partial(ServiceFactory, name="Instagram Followers [Real]", max_quantity=5000)


@pytest.fixture
def offer(db):
    panels = {name: make_panel(name=name) for name in ("Alpha", "Beta", "Gamma")}
    rates = {"Alpha": "1.20", "Beta": "0.80", "Gamma": "1.00"}
    services = {
        name: make_service(panel=panel, remote_id="7", rate=Decimal(rates[name]))
        for name, panel in panels.items()
    }
    assert len({service.match_key for service in services.values()}) == 1
    return panels, services


def check(user, text: str) -> Upload:
    return upload_check(kind="csv", data=text.encode(), filename="orders.csv", user=user)


def errors_by_row(upload: Upload) -> dict[int, list[str]]:
    return {r["row"]: r["errors"] for r in upload.invalid_rows}


def test_a_routed_row_goes_to_the_cheapest_panel_and_says_why(offer, user) -> None:
    panels, services = offer
    upload = check(
        user,
        HEADER + "Alpha,7,https://x.com/a,1000,best\n"
        "Alpha,7,https://x.com/b,1000,\n"  # not routed: Alpha, as named
        "Alpha,7,https://x.com/c,1000,BEST \n",
    )
    assert upload.rows_valid == 3, upload.invalid_rows
    rows = {entry["row"]: entry for entry in upload.valid_rows}
    assert (rows[2]["panel"], rows[2]["service_id"]) == ("Beta", services["Beta"].pk)
    assert rows[2]["route"]["note"].startswith("Beta: 0.80 USD, cheapest of 3")
    assert Decimal(rows[2]["cost"]) == Decimal("0.80")
    assert sorted(rows[2]["route"]["panels"]) == sorted(p.pk for p in panels.values())
    assert (rows[3]["panel"], "route" in rows[3]) == ("Alpha", False)
    assert rows[4]["panel"] == "Beta"

    assert upload_submit(upload=upload, user=user) == 3
    placed = {o.link: o for o in Order.objects.all()}
    assert placed["https://x.com/a"].panel == panels["Beta"]
    assert placed["https://x.com/a"].route["note"].startswith("Beta: 0.80 USD, cheapest of 3")
    assert placed["https://x.com/b"].panel == panels["Alpha"]
    assert placed["https://x.com/b"].route == {}


def test_the_submit_routes_again(offer, user) -> None:
    """Beta stopped selling it between the check and the submit: the next cheapest takes it."""
    panels, services = offer
    upload = check(user, HEADER + "Alpha,7,https://x.com/a,1000,best\n")
    assert upload.valid_rows[0]["panel"] == "Beta"
    Service.objects.filter(pk=services["Beta"].pk).update(is_active=False)

    assert upload_submit(upload=upload, user=user) == 1
    order = Order.objects.get()
    assert order.panel == panels["Gamma"]
    assert "Beta skipped: service no longer listed" in order.route["note"]


def test_rows_that_cannot_be_routed_say_why(offer, user) -> None:
    panels, _services = offer
    alone = make_service(panel=panels["Alpha"], remote_id="8", name="Something else")
    Service.objects.filter(pk=alone.pk).update(match_key="")
    upload = check(
        user,
        HEADER + "Alpha,7,https://x.com/a,1000,maybe\nAlpha,8,https://x.com/b,1000,best\n",
    )
    errors = errors_by_row(upload)
    assert errors[2] == [ROUTE_HELP]
    assert errors[3] == ["Route: Something else is matched with no offer to route."]
    assert upload.rows_valid == 0


def test_no_panel_can_take_it_is_said_with_each_panels_reason(offer, user) -> None:
    panels, services = offer
    for name in ("Alpha", "Gamma"):
        Panel.objects.filter(pk=panels[name].pk).update(balance=Decimal("0.10"))
    Service.objects.filter(pk=services["Beta"].pk).update(max_quantity=500)
    upload = check(user, HEADER + "Alpha,7,https://x.com/a,2000,best\n")
    (reason,) = errors_by_row(upload)[2]
    assert reason.startswith("No panel can take this order:")
    assert "Alpha skipped: balance 0.10 USD" in reason
    assert "Beta skipped: maximum 500" in reason
    assert "Gamma skipped: balance 0.10 USD" in reason


def test_a_link_active_on_any_panel_of_the_offer_holds_a_routed_row_back(offer, user) -> None:
    _panels, services = offer
    OrderFactory(service=services["Gamma"], link="https://x.com/a", state=Order.State.PLACED)
    routed = check(user, HEADER + "Alpha,7,https://x.com/a,1000,best\n")
    (reason,) = errors_by_row(routed)[2]
    assert "active order" in reason
    assert "Gamma" in reason
    # Named on Alpha, it is Alpha's own: Gamma's order does not hold it back.
    named = check(user, HEADER + "Alpha,7,https://x.com/a,1000,\n")
    assert named.rows_valid == 1


@pytest.mark.parametrize(
    "rows",
    [
        "Alpha,7,https://x.com/a,1000,best\nGamma,7,https://x.com/a,1000,\n",
        "Gamma,7,https://x.com/a,1000,\nAlpha,7,https://x.com/a,1000,best\n",
        "Alpha,7,https://x.com/a,1000,best\nGamma,7,https://x.com/a,1000,best\n",
    ],
)
def test_a_routed_row_and_another_for_the_same_link_and_offer_are_one_purchase(
    offer, user, rows
) -> None:
    upload = check(user, HEADER + rows)
    assert upload.rows_valid == 1
    assert errors_by_row(upload) == {3: ["Same offer and link as row 2."]}


def test_routing_reads_once_per_offer_whatever_the_rows(offer, user) -> None:
    def queries(count: int) -> int:
        lines = "".join(f"Alpha,7,https://x.com/{n},1000,best\n" for n in range(count))
        with CaptureQueriesContext(connection) as captured:
            assert check(user, HEADER + lines).rows_valid == count
        return len(captured)

    assert queries(3) == queries(30)


def test_the_check_page_shows_where_a_routed_row_goes(offer, user, logged_in) -> None:
    upload = check(user, HEADER + "Alpha,7,https://x.com/a,1000,best\n")
    page = text(logged_in.get(reverse("orders:upload_preview", args=[upload.pk])).content.decode())
    assert "2 Beta best Beta: 0.80 USD, cheapest of 3 7 https://x.com/a 1,000 0.80" in page


def test_the_submit_routes_only_among_the_panels_checked_for_the_link(offer, user) -> None:
    """A panel that began selling the offer after the check was never checked for an active
    order on the link: the submit leaves it out."""
    panels, _ = offer
    upload = check(user, HEADER + "Alpha,7,https://x.com/a,1000,best\n")
    newcomer = make_service(panel=make_panel(name="Delta"), remote_id="7", rate=Decimal("0.10"))
    OrderFactory(service=newcomer, link="https://x.com/a", state=Order.State.PLACED)

    assert upload_submit(upload=upload, user=user) == 1
    assert Order.objects.get(upload=upload).panel == panels["Beta"]
