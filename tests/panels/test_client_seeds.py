"""Contract tests: the client reads the exact example responses of each seed panel's API page.

The seed pages are copied verbatim into tests/panels/seeds/. Each JSON example is cut out of the
page as the page prints it (same spacing, same line breaks) and served to the client as the
body of an HTTP answer; the expected values below are the ones the pages document.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import responses

from panels.api.client import PanelClient
from panels.api.errors import Reason
from panels.api.normalise import RefillStatus, Status
from panels.api.options import ClientOptions

SEEDS = Path(__file__).parent / "seeds"
URL = "https://panel.example/api/v2"
KEY = "seed-test-key-0123456789"

# What each JSON example on a page answers, in page order ("request" = a request example).
EXAMPLES = {
    "000": ["services", "add", "status", "statuses", "refill", "refills", "refill_status",
            "refill_statuses", "balance"],
    "001": ["services", "status", "request", "refill_status", "cancel", "refill", "refills",
            "refill_statuses", "statuses", "balance"],
    "002": ["services", "add", "status", "statuses", "refill", "refills", "refill_status",
            "refill_statuses", "cancel", "balance"],
    "003": ["services", "add", "status", "statuses", "refill", "refills", "refill_status",
            "refill_statuses", "balance"],
    "004": ["services", "add", "status", "statuses", "refill", "refills", "refill_status",
            "refill_statuses", "cancel", "balance"],
}  # fmt: skip


def json_examples(seed: str) -> list[str]:
    """Every JSON value printed on the page, as the exact text the page shows."""
    (path,) = SEEDS.glob(f"{seed}_*.txt")
    text = path.read_text()
    decoder = json.JSONDecoder()
    found, i = [], 0
    while i < len(text):
        if text[i] in "[{":
            try:
                _, end = decoder.raw_decode(text, i)
            except ValueError:
                pass
            else:
                found.append(text[i:end])
                i = end
                continue
        i += 1
    return found


def example(seed: str, action: str) -> str:
    names = EXAMPLES[seed]
    examples = json_examples(seed)
    assert len(examples) == len(names), f"seed {seed}: page has {len(examples)} JSON examples"
    return examples[names.index(action)]


def seeds_with(action: str) -> list[str]:
    return [seed for seed, names in EXAMPLES.items() if action in names]


@pytest.fixture
def client() -> PanelClient:
    return PanelClient(URL, KEY, ClientOptions(retries=0))


def serve(body: str) -> responses.BaseResponse:
    # Real panels often label JSON as text/html; the client must decide by the body.
    return responses.add(responses.POST, URL, body=body, content_type="text/html")


def sent_fields(call_index: int = 0) -> dict[str, str]:
    body = responses.calls[call_index].request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def test_every_seed_page_has_the_examples_we_expect():
    for seed, names in EXAMPLES.items():
        assert len(json_examples(seed)) == len(names), seed


@pytest.mark.parametrize("seed", seeds_with("services"))
@responses.activate
def test_it_reads_the_service_list(seed, client):
    serve(example(seed, "services"))

    catalog = client.services()

    assert sent_fields() == {"key": KEY, "action": "services"}
    assert catalog.skipped == []
    followers, comments = catalog.services
    assert followers.service_id == "1"
    assert followers.name == "Followers"
    assert (followers.type, followers.raw_type) == ("default", "Default")
    assert followers.category == "First Category"
    assert followers.rate == Decimal("0.90")
    assert str(followers.rate) == "0.90"  # exactly as sent, not a float
    assert (followers.min, followers.max) == (50, 10000)
    assert (followers.refill, followers.cancel, followers.dripfeed) == (True, True, False)
    assert comments.service_id == "2"
    assert comments.name == "Comments"
    assert (comments.type, comments.raw_type) == ("custom_comments", "Custom Comments")
    assert comments.category == "Second Category"
    assert comments.rate == Decimal("8")
    assert (comments.min, comments.max) == (10, 1500)
    assert (comments.refill, comments.cancel) == (False, True)
    if seed == "001":
        assert followers.description == comments.description == "example description"
        assert (followers.refill_days, comments.refill_days) == (30, 365)
    else:
        assert followers.description == ""
        assert followers.refill_days is None
    assert followers.raw["rate"] == "0.90"


@pytest.mark.parametrize("seed", seeds_with("add"))
@responses.activate
def test_it_reads_the_new_order_id(seed, client):
    serve(example(seed, "add"))

    placed = client.add(
        "1", {"link": "https://example.com/p/1", "quantity": 100}, order_type="default"
    )

    assert placed.order_id == "23501"
    assert sent_fields() == {
        "key": KEY,
        "action": "add",
        "service": "1",
        "link": "https://example.com/p/1",
        "quantity": "100",
    }


@responses.activate
def test_it_sends_the_add_fields_of_seed_001s_request_example(client):
    documented = json.loads(example("001", "request"))
    serve('{"order": 23501}')

    client.add(
        documented["service"],
        {"link": documented["link"], "quantity": documented["quantity"], "order_style": "2"},
    )

    assert sent_fields() == {
        "key": KEY,
        "action": "add",
        "service": "1",
        "link": "http://example.com",
        "quantity": "100",
        "order_style": "2",
    }


@pytest.mark.parametrize("seed", seeds_with("status"))
@responses.activate
def test_it_reads_one_order_status(seed, client):
    serve(example(seed, "status"))

    status = client.status("23501")

    assert sent_fields() == {"key": KEY, "action": "status", "order": "23501"}
    assert status.order_id == "23501"
    assert status.charge == Decimal("0.27819")
    assert status.start_count == 3572
    assert (status.status, status.raw_status) == (Status.PARTIAL, "Partial")
    assert status.remains == 157
    assert status.currency == "USD"
    assert status.is_final


@pytest.mark.parametrize("seed", seeds_with("statuses"))
@responses.activate
def test_it_reads_many_order_statuses(seed, client):
    serve(example(seed, "statuses"))

    found = client.statuses(["1", "10", "100"])

    assert sent_fields() == {"key": KEY, "action": "status", "orders": "1,10,100"}
    assert list(found) == ["1", "10", "100"]
    first, missing, hundred = found["1"], found["10"], found["100"]
    assert first.charge == Decimal("0.27819")
    assert (first.start_count, first.remains, first.currency) == (3572, 157, "USD")
    assert first.status == Status.PARTIAL
    assert missing.reason == Reason.INCORRECT_ORDER_ID
    assert missing.text == "Incorrect order ID"
    assert hundred.charge == Decimal("1.44219")
    assert (hundred.start_count, hundred.remains, hundred.currency) == (234, 10, "USD")
    assert (hundred.status, hundred.raw_status) == (Status.IN_PROGRESS, "In progress")
    assert not hundred.is_final


@pytest.mark.parametrize("seed", seeds_with("refill"))
@responses.activate
def test_it_reads_a_new_refill_id(seed, client):
    serve(example(seed, "refill"))

    created = client.refill("23501")

    assert sent_fields() == {"key": KEY, "action": "refill", "order": "23501"}
    assert created.order_id == "23501"
    assert created.refill_id == "1"
    assert created.error is None


@pytest.mark.parametrize("seed", seeds_with("refills"))
@responses.activate
def test_it_reads_many_new_refills(seed, client):
    serve(example(seed, "refills"))

    found = client.refills(["1", "2", "3"])

    assert sent_fields() == {"key": KEY, "action": "refill", "orders": "1,2,3"}
    assert found["1"].refill_id == "1"
    assert found["2"].refill_id == "2"
    assert found["1"].error is None
    assert found["3"].refill_id is None
    assert found["3"].error.reason == Reason.INCORRECT_ORDER_ID


@pytest.mark.parametrize("seed", seeds_with("refill_status"))
@responses.activate
def test_it_reads_one_refill_status(seed, client):
    serve(example(seed, "refill_status"))

    state = client.refill_status("1")

    assert sent_fields() == {"key": KEY, "action": "refill_status", "refill": "1"}
    assert state.refill_id == "1"
    assert (state.status, state.raw_status) == (RefillStatus.COMPLETED, "Completed")
    assert state.error is None


@pytest.mark.parametrize("seed", seeds_with("refill_statuses"))
@responses.activate
def test_it_reads_many_refill_statuses(seed, client):
    serve(example(seed, "refill_statuses"))

    found = client.refill_statuses(["1", "2", "3"])

    assert sent_fields() == {"key": KEY, "action": "refill_status", "refills": "1,2,3"}
    assert found["1"].status == RefillStatus.COMPLETED
    assert (found["2"].status, found["2"].raw_status) == (RefillStatus.REJECTED, "Rejected")
    assert found["3"].status is None
    assert found["3"].error.reason == Reason.REFILL_NOT_FOUND
    assert found["3"].error.text == "Refill not found"


@pytest.mark.parametrize("seed", seeds_with("cancel"))
@responses.activate
def test_it_reads_cancel_results(seed, client):
    serve(example(seed, "cancel"))

    found = client.cancel(["9", "2"])

    assert sent_fields() == {"key": KEY, "action": "cancel", "orders": "9,2"}
    assert found["9"].accepted is False
    assert found["9"].error.reason == Reason.INCORRECT_ORDER_ID
    assert found["2"].accepted is True
    assert found["2"].error is None


@pytest.mark.parametrize("seed", seeds_with("balance"))
@responses.activate
def test_it_reads_the_balance(seed, client):
    serve(example(seed, "balance"))

    balance = client.balance()

    assert sent_fields() == {"key": KEY, "action": "balance"}
    assert balance.amount == Decimal("100.84292")
    assert str(balance.amount) == "100.84292"
    assert balance.currency == "USD"
