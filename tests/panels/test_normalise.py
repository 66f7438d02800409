"""Loose panel values become exact ones: statuses, booleans, ids, numbers, types, errors."""

from decimal import Decimal

import pytest
from django.template import Context, Template

from core.money import money, money_plain, money_text
from panels.api import normalise
from panels.api.errors import Reason, reason_for
from panels.api.normalise import RefillStatus, Status
from panels.api.order_types import order_type_key


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pending", Status.PENDING), ("In progress", Status.IN_PROGRESS),
        ("Inprogress", Status.IN_PROGRESS), ("IN_PROGRESS", Status.IN_PROGRESS),
        ("progress", Status.IN_PROGRESS), ("in-progress", Status.IN_PROGRESS),
        ("Processing", Status.PROCESSING), ("Completed", Status.COMPLETED),
        ("Complete", Status.COMPLETED), ("Partial", Status.PARTIAL),
        ("Partially completed", Status.PARTIAL), ("Canceled", Status.CANCELED),
        ("Cancelled", Status.CANCELED), ("Cancel", Status.CANCELED),
        ("Refunded", Status.REFUNDED), ("Refund", Status.REFUNDED), ("Fail", Status.FAILED),
        ("Failed", Status.FAILED), ("Error", Status.FAILED), ("Active", Status.ACTIVE),
        ("Paused", Status.PAUSED), ("Expired", Status.EXPIRED),
        ("Awaiting moderation", Status.PENDING), ("", Status.PENDING),
    ],
)  # fmt: skip
def test_it_normalises_order_statuses(raw, expected):
    assert normalise.order_status(raw) == expected


def test_final_statuses_are_the_documented_ones():
    assert {"completed", "partial", "canceled", "refunded", "failed"} <= Status.FINAL
    assert not Status.FINAL & {"pending", "in_progress", "processing", "active", "paused"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Pending", RefillStatus.PENDING), ("In progress", RefillStatus.IN_PROGRESS),
     ("Completed", RefillStatus.COMPLETED), ("Rejected", RefillStatus.REJECTED),
     ("Error", RefillStatus.ERROR)],
)  # fmt: skip
def test_it_normalises_refill_statuses(raw, expected):
    assert normalise.refill_status(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), (1, True), (0, False), ("1", True), ("0", False),
     ("true", True), ("false", False), (None, False), ("", False)],
)  # fmt: skip
def test_it_reads_booleans_in_every_form(raw, expected):
    assert normalise.to_bool(raw) is expected


def test_it_keeps_ids_as_strings():
    assert normalise.to_id(23501) == "23501"
    assert normalise.to_id("23501") == "23501"
    assert normalise.to_id("ord_01HG7XYZ") == "ord_01HG7XYZ"
    assert normalise.to_id(Decimal("23501")) == "23501"
    assert normalise.to_id(None) is None
    assert normalise.to_id({"error": "x"}) is None


def test_it_reads_money_exactly():
    assert normalise.to_decimal("0.00100000") == Decimal("0.00100000")
    assert str(normalise.to_decimal("0.00100000")) == "0.00100000"
    assert normalise.to_decimal(Decimal("0.9")) == Decimal("0.9")
    assert normalise.to_decimal(5) == Decimal(5)
    assert normalise.to_decimal("1,234.50") == Decimal("1234.50")
    assert normalise.to_decimal("Unknown") is None
    assert normalise.to_decimal("NaN") is None
    assert normalise.to_decimal(True) is None


def test_it_reads_counts_and_tolerates_non_numbers():
    assert normalise.to_int("3572") == 3572
    assert normalise.to_int(157) == 157
    assert normalise.to_int("Unknown") is None
    assert normalise.to_int(None) is None
    assert normalise.to_int("1.5") is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Default", "default"), ("default", "default"), ("Custom Comments", "custom_comments"),
     ("custom_comments", "custom_comments"), ("Custom Comments Package",
     "custom_comments_package"), ("Mentions with Hashtags", "mentions_with_hashtags"),
     ("Subscriptions", "subscriptions"), ("Comment Replies", "comment_replies"),
     ("Invites from Groups", "invites_from_groups"), ("Poll", "poll"), ("SEO", "seo"),
     ("Package", "package"), ("Something New", "other")],
)  # fmt: skip
def test_it_normalises_order_types(raw, expected):
    assert order_type_key(raw) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Invalid API key", Reason.BAD_KEY),
        ("Incorrect request", Reason.INCORRECT_REQUEST),
        ("Request Invalid", Reason.INCORRECT_REQUEST),
        ("Incorrect order ID", Reason.INCORRECT_ORDER_ID),
        ("Incorrect Order ID", Reason.INCORRECT_ORDER_ID),
        ("Incorrect service ID", Reason.INCORRECT_SERVICE_ID),
        ("error.incorrect_service_id", Reason.INCORRECT_SERVICE_ID),
        ("neworder.error.incorrect_service_id", Reason.INCORRECT_SERVICE_ID),
        ("Not enough funds on balance", Reason.NOT_ENOUGH_FUNDS),
        ("neworder.error.not_enough_funds", Reason.NOT_ENOUGH_FUNDS),
        ("not_enough_funds", Reason.NOT_ENOUGH_FUNDS),
        ("You have active order with this link. Please wait until order being completed.",
         Reason.LINK_DUPLICATE),
        ("neworder.error.link_duplicate", Reason.LINK_DUPLICATE),
        ("neworder.error.link", Reason.BAD_LINK),
        ("Quantity less than minimal 50", Reason.MIN_QUANTITY),
        ("neworder.error.min_quantity", Reason.MIN_QUANTITY),
        ("Quantity more than maximum 10000", Reason.MAX_QUANTITY),
        ("neworder.error.max_quantity", Reason.MAX_QUANTITY),
        ("Refill not found", Reason.REFILL_NOT_FOUND),
        ("Service is under maintenance", Reason.UNKNOWN),
    ],
)  # fmt: skip
def test_it_maps_every_documented_error_text(text, reason):
    assert reason_for(text) == reason


@pytest.mark.parametrize(
    ("value", "text", "plain"),
    [(Decimal("1000.000000000000"), "1,000.00", "1000.00"),
     (Decimal("0.001250000000"), "0.00125", "0.00125"), (Decimal("8"), "8.00", "8.00"),
     (Decimal("0.27819"), "0.27819", "0.27819"), (Decimal("1234567.5"), "1,234,567.50",
     "1234567.50"), (Decimal("-1500.25"), "-1,500.25", "-1500.25"), (None, "—", "")],
)  # fmt: skip
def test_money_is_shown_with_the_panels_digits_and_no_padding(value, text, plain):
    assert money_text(value) == text
    assert money_plain(value) == plain  # files: the same digits, no grouping


@pytest.mark.parametrize(
    ("value", "currency", "text"),
    [(Decimal("1000.000000000000"), "USD", "1,000.00 USD"), (Decimal("2.2225"), "USD",
     "2.2225 USD"), ("0.90", "EUR", "0.90 EUR"), (5, "", "5.00"), (None, "USD", "—"),
     ("", "USD", "—"), ("abc", "USD", "—")],
)  # fmt: skip
def test_money_with_its_currency_is_one_format(value, currency, text):
    assert money(value, currency) == text
    rendered = Template("{% load money %}{{ value|money:currency }}").render(
        Context({"value": value, "currency": currency})
    )
    assert rendered == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0,27", "0.27"),  # a decimal comma, as European panels write money
        ("12,5", "12.5"),
        ("1,50", "1.50"),
        ("1,234.50", "1234.50"),  # commas grouping thousands before a decimal point
        ("1,234,567", "1234567"),
        ("1.234,56", "1234.56"),  # dots grouping thousands before a decimal comma
        (" 3 ", "3"),
    ],
)
def test_it_reads_decimal_commas_and_grouped_thousands(text: str, expected: str) -> None:
    assert normalise.to_decimal(text) == Decimal(expected)


@pytest.mark.parametrize("text", ["1,234", "1,2,3", "1_000", "12,5.0", "NaN", "-Infinity", "1,"])
def test_it_refuses_numbers_that_could_be_read_two_ways_or_not_at_all(text: str) -> None:
    assert normalise.to_decimal(text) is None


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("0.90", "0.90"),
        ("100.84292", "100.84292"),
        ("12", "12"),
        ("0.0000000000005", "1E-12"),  # 13 places: rounded half up, as the column would
        ("0.1234567890123456", "0.123456789012"),
    ],
)
def test_money_keeps_the_panels_digits_and_rounds_only_beyond_twelve_places(
    text: str, kept: str
) -> None:
    assert str(normalise.money(text, field="rate")) == kept


def test_money_and_counts_refuse_values_no_column_can_hold() -> None:
    assert normalise.money("0,27", field="charge") == Decimal("0.27")
    assert normalise.money(None, field="charge") is None
    with pytest.raises(normalise.BadValue, match="charge 1e30 is too large"):
        normalise.money("1e30", field="charge")
    with pytest.raises(normalise.BadValue, match="rate -1 is negative"):
        normalise.money(Decimal("-1"), field="rate")
    assert normalise.count("2500", field="remains") == 2500
    with pytest.raises(normalise.BadValue, match="too large"):
        normalise.count(2**63, field="max")
    with pytest.raises(normalise.BadValue, match="not a whole number"):
        normalise.count("12.5", field="remains")
    with pytest.raises(normalise.BadValue, match="negative"):
        normalise.count(-5, field="start count")
    assert normalise.to_int("1e309") is None  # never builds a 309-digit int
