"""An order's estimate follows its type's documented price rule, and a charge beyond the
tolerance from it is flagged: on the order (charge_check) and in the list's filter
(charge_off_q), which must agree."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.charges import charge_check, charge_off_q
from orders.models import Order
from orders.validation import validate_order
from tests.factories import OrderFactory, PanelFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("order_type", "values", "billable", "cost"),
    [
        ("default", {"link": "https://x.com/a", "quantity": "1000"}, 1000, "2.50"),
        # drip-feed: the quantity is per run, the total is runs × quantity
        ("default", {"link": "https://x.com/a", "quantity": "500", "runs": "4",
                     "interval": "30"}, 2000, "5.00"),
        # custom comments: one per line, priced per 1000 (three lines cost three)
        ("custom_comments", {"link": "https://x.com/a", "comments": "Nice\nCool\r\nWow\n\n"},
         3, "0.0075"),
        ("mentions_custom_list", {"link": "https://x.com/a", "usernames": "a\nb"}, 2, "0.005"),
        ("comment_replies", {"link": "https://x.com/a", "username": "o",
                             "comments": "a\nb\nc\nd"}, 4, "0.01"),
        ("package", {"link": "https://x.com/a"}, None, "2.50"),  # flat: the rate
        ("custom_comments_package", {"link": "https://x.com/a", "comments": "a\nb"}, None,
         "2.50"),
        ("seo", {"link": "https://x.com/a", "quantity": "200", "keywords": "a\nb"}, 200, "0.50"),
        # subscriptions: the reserve, max per post × posts
        ("subscriptions", {"username": "acc", "min": "100", "max": "200", "posts": "10",
                           "delay": "0"}, None, "5.00"),
    ],
)  # fmt: skip
def test_the_estimate_follows_the_documented_rule(order_type, values, billable, cost) -> None:
    service = ServiceFactory(
        type=order_type, rate=Decimal("2.50"), dripfeed=True, min_quantity=1, max_quantity=10**6
    )
    clean, errors = validate_order(service, values)
    assert errors == {}
    assert clean is not None
    assert clean.billable == billable
    assert clean.estimated_cost == Decimal(cost)


def order(charge: str | None, estimate: str | None = "1.00", **fields) -> Order:
    return OrderFactory(
        service=ServiceFactory(panel=PanelFactory(currency="USD")),
        charge=Decimal(charge) if charge is not None else None,
        estimated_cost=Decimal(estimate) if estimate is not None else None,
        currency="USD",
        state=Order.State.PLACED,
        **fields,
    )


CASES = [
    # (charge, estimate, fields, flagged)
    ("1.00", "1.00", {}, False),
    ("1.01", "1.00", {}, False),  # within the 0.01 floor
    ("1.02", "1.00", {}, True),
    ("0.98", "1.00", {}, True),  # below is off too
    ("100.9", "100", {}, False),  # within 1%
    ("101.5", "100", {}, True),
    ("0.0025", "0.0075", {}, False),  # a third of the estimate, but within the 0.01 floor
    ("0.025", "0.075", {}, True),  # three comments billed as one
    (None, "1.00", {}, False),  # no charge yet
    ("1.50", None, {}, False),  # nothing to compare with
    # A partial or canceled order may have been lowered by the panel itself; above is off.
    ("0.20", "1.00", {"status": "partial"}, False),
    ("0.00", "1.00", {"status": "canceled"}, False),
    ("1.50", "1.00", {"status": "partial"}, True),
    # A subscription's estimate is its reserve: at most.
    ("0.10", "5.00", {"order_type": "subscriptions"}, False),
    ("6.00", "5.00", {"order_type": "subscriptions"}, True),
]


@pytest.mark.parametrize(("charge", "estimate", "fields", "flagged"), CASES)
def test_the_charge_is_flagged_beyond_the_tolerance(charge, estimate, fields, flagged) -> None:
    made = order(charge, estimate, **fields)
    assert charge_check(made).flagged is flagged
    # The list's filter says the same, in SQL.
    assert Order.objects.filter(charge_off_q(), pk=made.pk).exists() is flagged


def test_the_tolerance_is_a_setting(settings) -> None:
    made = order("1.05", "1.00")
    assert charge_check(made).flagged
    settings.CHARGE_TOLERANCE_PERCENT = Decimal("10")
    assert not charge_check(made).flagged
    assert not Order.objects.filter(charge_off_q(), pk=made.pk).exists()
    settings.CHARGE_TOLERANCE_PERCENT, settings.CHARGE_TOLERANCE_ABSOLUTE = 0, Decimal("0.05")
    assert not charge_check(made).flagged
    settings.CHARGE_TOLERANCE_ABSOLUTE = Decimal("0.049")
    assert charge_check(made).flagged
    assert Order.objects.filter(charge_off_q(), pk=made.pk).exists()


def test_the_difference_reads_with_its_sign_and_currency() -> None:
    assert charge_check(order("1.60", "1.00")).text == "+0.60 USD vs the estimate"
    assert charge_check(order("0.40", "1.00")).text == "−0.60 USD vs the estimate"
    assert charge_check(order("1.00", "1.00")).text == "as estimated"
    assert charge_check(order(None)).text == ""
    assert charge_check(order("1.60", "1.00")).short == "+0.60 vs estimate"
