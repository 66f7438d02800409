"""Fetching the ECB's reference rates from a URL: the real format read from a local file
server; an unreachable, failing, malformed, hostile or empty source keeps the old rates and
says why; one bad entry is set aside and the rest kept; a rate entered by hand stays."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from currency import services
from currency.fetch import RatesUnavailable, parse
from currency.models import CurrencySettings, ExchangeRate
from tests.currency.helpers import ECB_90_DAYS, ECB_DAILY, file_server, stored_settings

pytestmark = pytest.mark.django_db

FRI = date(2026, 12, 4)
NOW = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)
LATER = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def _serve(tmp_path: Path, name: str, content: bytes) -> None:
    (tmp_path / name).write_bytes(content)


def _set_url(url: str) -> None:
    stored_settings(rates_url=url)


def _rates() -> dict[tuple[date, str, str], tuple[Decimal, str]]:
    return {(r.day, r.base, r.currency): (r.rate, r.source) for r in ExchangeRate.objects.all()}


def _old_rate() -> None:
    ExchangeRate.objects.create(
        day=date(2026, 12, 3), base="EUR", currency="USD", rate=Decimal("1.05"),
        source=ExchangeRate.Source.FETCHED,
    )  # fmt: skip


@pytest.fixture
def ecb(tmp_path: Path) -> str:
    """The base URL of a local server holding the ECB's daily and 90-day files."""
    _serve(tmp_path, "eurofxref-daily.xml", ECB_DAILY.read_bytes())
    _serve(tmp_path, "eurofxref-hist-90d.xml", ECB_90_DAYS.read_bytes())
    with file_server(tmp_path) as url:
        yield url


def test_it_reads_the_ecb_daily_file_from_a_url(ecb: str) -> None:
    _set_url(f"{ecb}/eurofxref-daily.xml")
    outcome = services.rates_fetch(now=NOW)
    assert outcome.ok, outcome.message
    assert outcome.message == "Fetched 30 rates for 2026-12-04."
    rates = _rates()
    assert len(rates) == 30
    assert rates[(FRI, "EUR", "USD")] == (Decimal("1.0537"), "fetched")
    assert rates[(FRI, "EUR", "IDR")] == (Decimal("16773.51"), "fetched")
    row = CurrencySettings.load()
    assert (row.rates_error, row.rates_checked_at, row.rates_fetched_at) == ("", NOW, NOW)


def test_it_reads_the_90_day_history_with_several_days(ecb: str) -> None:
    _set_url(f"{ecb}/eurofxref-hist-90d.xml")
    outcome = services.rates_fetch(now=NOW)
    assert outcome.message == "Fetched 12 rates for 2026-12-02 to 2026-12-04."
    rates = _rates()
    assert rates[(date(2026, 12, 2), "EUR", "GBP")][0] == Decimal("0.8295")
    assert rates[(date(2026, 12, 3), "EUR", "USD")][0] == Decimal("1.0502")


def test_fetching_again_updates_a_fetched_rate_but_never_one_entered_by_hand(ecb: str) -> None:
    ExchangeRate.objects.create(
        day=FRI, base="EUR", currency="USD", rate=Decimal("1.01"), source="fetched"
    )
    ExchangeRate.objects.create(
        day=FRI, base="EUR", currency="GBP", rate=Decimal("0.9"), source="manual"
    )
    _set_url(f"{ecb}/eurofxref-daily.xml")
    outcome = services.rates_fetch(now=NOW)
    assert outcome.message == (
        "Fetched 29 rates for 2026-12-04. 1 entered by hand kept as they are."
    )
    rates = _rates()
    assert rates[(FRI, "EUR", "USD")] == (Decimal("1.0537"), "fetched")
    assert rates[(FRI, "EUR", "GBP")] == (Decimal("0.9"), "manual")
    assert ExchangeRate.objects.count() == 30


def _fails_keeping_the_old_rates(expected: str) -> None:
    before = _rates()
    stored_settings(rates_fetched_at=NOW)
    outcome = services.rates_fetch(now=LATER)
    assert not outcome.ok
    assert expected in outcome.message
    assert outcome.message.endswith("The rates stored before are kept.")
    assert _rates() == before
    row = CurrencySettings.load()
    assert row.rates_error == outcome.message
    assert (row.rates_checked_at, row.rates_fetched_at) == (LATER, NOW)


def test_an_unreachable_source_keeps_the_old_rates_and_says_so() -> None:
    _old_rate()
    with socket.socket() as sock:  # a port nothing listens on: bound, never listening
        sock.bind(("127.0.0.1", 0))
        _set_url(f"http://127.0.0.1:{sock.getsockname()[1]}/eurofxref-daily.xml")
        _fails_keeping_the_old_rates("The rates source could not connect (http://127.0.0.1:")


def test_an_http_500_keeps_the_old_rates_and_says_so(ecb: str) -> None:
    _old_rate()
    _set_url(f"{ecb}/fail/eurofxref-daily.xml")
    _fails_keeping_the_old_rates("The rates source answered HTTP 500.")


def test_a_missing_file_says_404(ecb: str) -> None:
    _old_rate()
    _set_url(f"{ecb}/nothing-here.xml")
    _fails_keeping_the_old_rates("The rates source answered HTTP 404.")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<html><body>Moved", "The rates source did not send readable XML."),
        (b"", "The rates source did not send readable XML."),
        (b'{"USD": 1.05}', "The rates source did not send readable XML."),
        (
            ECB_DAILY.read_bytes()[:500],  # cut off mid-file
            "The rates source did not send readable XML.",
        ),
        (
            b"<?xml version='1.0'?><Envelope><Cube><Cube time='2026-12-04'/></Cube></Envelope>",
            "The rates source listed no usable rates.",
        ),
        (
            b"<?xml version='1.0'?><Envelope><subject>Reference rates</subject></Envelope>",
            "The rates source sent XML without any day of rates (<Cube time>).",
        ),
    ],
    ids=["html", "empty-body", "json", "truncated", "empty-cube", "no-cube"],
)
def test_a_malformed_or_empty_file_keeps_the_old_rates(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    _old_rate()
    _serve(tmp_path, "rates.xml", content)
    with file_server(tmp_path) as url:
        _set_url(f"{url}/rates.xml")
        _fails_keeping_the_old_rates(expected)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<Envelope><Cube><Cube time="2026-12-04"><Cube currency="USD" rate="&lol4;"/></Cube></Cube>
</Envelope>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Envelope><Cube><Cube time="2026-12-04"><Cube currency="USD" rate="&secret;"/></Cube></Cube>
</Envelope>
"""


@pytest.mark.parametrize("content", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["bomb", "external"])
def test_an_xml_bomb_or_external_entity_is_refused_unread(tmp_path: Path, content: bytes) -> None:
    _old_rate()
    _serve(tmp_path, "rates.xml", content)
    with file_server(tmp_path) as url:
        _set_url(f"{url}/rates.xml")
        _fails_keeping_the_old_rates("The rates source sent XML with DTDForbidden: refused unread.")


def test_an_oversized_answer_is_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr("currency.fetch.MAX_BYTES", 1000)
    _old_rate()
    _serve(tmp_path, "rates.xml", ECB_DAILY.read_bytes())  # ~1.9 kB
    with file_server(tmp_path) as url:
        _set_url(f"{url}/rates.xml")
        _fails_keeping_the_old_rates("The rates source sent more than 1,000 bytes.")


def test_a_private_address_is_refused_unless_allowed(settings, ecb: str) -> None:
    settings.PANEL_ALLOW_PRIVATE_ADDRESSES = False
    _old_rate()
    _set_url(f"{ecb}/eurofxref-daily.xml")
    _fails_keeping_the_old_rates("The rates URL is refused: 127.0.0.1 is a private or local")


def test_without_a_url_nothing_is_fetched_and_the_page_says_so() -> None:
    _old_rate()
    _fails_keeping_the_old_rates("No rates URL is set")


def test_a_success_clears_the_last_error(ecb: str) -> None:
    stored_settings(rates_error="The rates source answered HTTP 500.")
    _set_url(f"{ecb}/eurofxref-daily.xml")
    assert services.rates_fetch(now=NOW).ok
    assert CurrencySettings.load().rates_error == ""


def test_one_bad_entry_is_set_aside_with_its_reason_and_the_rest_kept(tmp_path: Path) -> None:
    content = ECB_DAILY.read_bytes()
    content = content.replace(b"rate='158.12'", b"rate='lots'")  # JPY
    content = content.replace(b"currency='HUF'", b"currency='HU1F'")
    content = content.replace(b"rate='4.2898'", b"rate='-4.2898'")  # PLN
    content = content.replace(b"rate='11.4895'", b"rate='1e999'")  # SEK
    _serve(tmp_path, "rates.xml", content)
    with file_server(tmp_path) as url:
        _set_url(f"{url}/rates.xml")
        outcome = services.rates_fetch(now=NOW)
    assert outcome.message == "Fetched 26 rates for 2026-12-04. 4 set aside."
    assert CurrencySettings.load().rates_notes.splitlines() == [
        "JPY on 2026-12-04: rate 'lots' is not a number.",
        "On 2026-12-04: 'HU1F' is not a three-letter currency.",
        "PLN on 2026-12-04: rate -4.2898 is not a usable rate.",
        "SEK on 2026-12-04: rate 1e999 is not a usable rate.",
    ]
    assert (FRI, "EUR", "JPY") not in _rates()
    assert _rates()[(FRI, "EUR", "USD")][0] == Decimal("1.0537")


def test_the_parser_reads_rates_as_exact_decimals_without_the_namespace() -> None:
    found = parse(
        b"<Envelope><Cube><Cube time='2026-12-04'><Cube currency='usd' rate=' 1.10 '/>"
        b"<Cube currency='USD' rate='1.2'/><Cube currency='EUR' rate='1'/></Cube>"
        b"<Cube time='2026-13-01'><Cube currency='GBP' rate='0.8'/></Cube></Cube></Envelope>"
    )
    assert [(r.day, r.currency, r.rate) for r in found.rates] == [(FRI, "USD", Decimal("1.10"))]
    assert isinstance(found.rates[0].rate, Decimal)
    assert found.notes == [
        "USD on 2026-12-04: listed twice, the first kept.",
        "On 2026-12-04: a rate of EUR against itself.",
        "A day '2026-13-01' is not a date (YYYY-MM-DD): its rates set aside.",
    ]


def test_the_parser_refuses_what_is_not_a_rates_file() -> None:
    with pytest.raises(RatesUnavailable):
        parse(b"\x00\xff not xml")


def test_the_scheduled_task_fetches_only_when_a_url_is_set(ecb: str) -> None:
    from currency.tasks import rates_fetch_scheduled

    rates_fetch_scheduled()
    assert CurrencySettings.load().rates_checked_at is None  # rates by hand only: no error
    _set_url(f"{ecb}/eurofxref-daily.xml")
    rates_fetch_scheduled()
    assert ExchangeRate.objects.count() == 30
    assert CurrencySettings.load().rates_error == ""


def test_a_database_error_while_storing_changes_no_rate_and_says_so(ecb: str, monkeypatch) -> None:
    from django.db import DatabaseError

    _old_rate()
    _set_url(f"{ecb}/eurofxref-daily.xml")

    def refuse(*args: object, **kwargs: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(ExchangeRate.objects, "bulk_create", refuse)
    _fails_keeping_the_old_rates("The rates could not be stored (DatabaseError).")
