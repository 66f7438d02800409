"""Reading the European Central Bank's reference rates XML, from a URL a person typed.

The format is `eurofxref-daily.xml` (and the 90-day `eurofxref-hist-90d.xml`): a gesmes
Envelope holding `<Cube time="YYYY-MM-DD">` days, each with `<Cube currency="USD"
rate="1.0537"/>` entries, all quoted against the euro. Whatever answers at the URL is
untrusted: it is read through defusedxml (no DTDs, no entities, so no "billion laughs" and no
external files), capped in size and time, and sent through the same address rules as panel
calls. One unusable entry is set aside with its reason; the rest is kept.

No database here: `currency.services.rates_fetch` stores what this reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import requests
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

# The one place `currency` reaches into `panels`: its Django-free API package holds the address
# rules and deadline-keeping connections every outgoing call must use (see pyproject's layers).
from panels.api.addresses import AddressPolicy, RefusedAddress, check_url, refused_reason
from panels.api.deadline import call_deadline
from panels.api.transport import panel_session
from panels.api.wire import read_body

ECB_BASE = "EUR"
# The ECB's files are a few kilobytes (daily) to ~50 kB (90 days); a mirror may add more days.
MAX_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 20.0
# A rate must fit ExchangeRate.rate (28 digits, 12 after the point) and mean something.
LARGEST_RATE = Decimal(10) ** 15
SMALLEST_RATE = Decimal("1e-12")
NOTES_KEPT = 20

_CODE = re.compile(r"^[A-Z]{3}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RatesUnavailable(Exception):
    """The source could not be read, or what it sent is not a rates file. Carries the plain
    reason shown on the Rates page."""


@dataclass(frozen=True)
class Rate:
    day: date
    currency: str
    rate: Decimal  # 1 EUR = rate currency


@dataclass
class RatesFile:
    rates: list[Rate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the entries set aside, and why
    skipped: int = 0

    @property
    def days(self) -> list[date]:
        return sorted({rate.day for rate in self.rates})

    def set_aside(self, reason: str) -> None:
        self.skipped += 1
        if len(self.notes) < NOTES_KEPT:
            self.notes.append(reason)


def download(
    url: str, *, allow_http: bool, allow_private: bool, timeout: float = TIMEOUT_SECONDS
) -> bytes:
    """The body at `url` (200 only, at most MAX_BYTES, within `timeout` in all), or
    RatesUnavailable with the reason. The address rules are the panels' (PANEL_ALLOW_HTTP,
    PANEL_ALLOW_PRIVATE_ADDRESSES). Redirects are not followed: the address they lead to was
    not the one checked, and a person can type the final URL instead."""
    policy = AddressPolicy(allow_http=allow_http, allow_private=allow_private)
    try:
        check_url(url, policy)
    except RefusedAddress as exc:
        raise RatesUnavailable(f"The rates URL is refused: {exc}.") from None
    session = panel_session(policy)
    headers = {"User-Agent": "smm-dashboard-rates/1", "Accept": "application/xml, text/xml, */*"}
    try:
        with call_deadline(timeout):
            response = session.get(
                url, headers=headers, timeout=(timeout, timeout), stream=True, allow_redirects=False
            )
            body = read_body(response, MAX_BYTES)
    except requests.RequestException as exc:
        refused = refused_reason(exc)
        if refused:
            raise RatesUnavailable(f"The rates URL is refused: {refused}.") from None
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            what = "timed out" if isinstance(exc, requests.Timeout) else "could not connect"
            raise RatesUnavailable(f"The rates source {what} ({url}).") from None
        raise RatesUnavailable(
            f"The rates source could not be read ({type(exc).__name__})."
        ) from None
    except TimeoutError:
        raise RatesUnavailable(
            f"The rates source sent no complete answer within {timeout:g}s."
        ) from None
    finally:
        session.close()
    if response.status_code != 200:
        moved = response.headers.get("Location", "") if response.is_redirect else ""
        where = f"; it points to {moved[:200]}" if moved else ""
        raise RatesUnavailable(f"The rates source answered HTTP {response.status_code}{where}.")
    if body is None:
        raise RatesUnavailable(f"The rates source sent more than {MAX_BYTES:,} bytes.")
    return body


def parse(body: bytes) -> RatesFile:
    """The rates in an ECB reference rates file. RatesUnavailable when the body is not one (not
    XML, a DTD or entities, no days); entries that cannot be used are set aside with a note."""
    try:
        root = fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise RatesUnavailable(
            f"The rates source sent XML with {type(exc).__name__}: refused unread."
        ) from None
    except (ParseError, ValueError, RecursionError):
        raise RatesUnavailable("The rates source did not send readable XML.") from None
    found = RatesFile()
    seen: set[tuple[date, str]] = set()
    days = [node for node in root.iter() if _local(node.tag) == "Cube" and "time" in node.attrib]
    for day_node in days:
        text = day_node.attrib["time"].strip()
        day = _day(text)
        if day is None:
            found.set_aside(f"A day {text[:20]!r} is not a date (YYYY-MM-DD): its rates set aside.")
            continue
        for entry in day_node:
            if _local(entry.tag) != "Cube":
                continue
            rate = _rate(day, entry.attrib, found)
            if rate is None:
                continue
            if (day, rate.currency) in seen:
                found.set_aside(f"{rate.currency} on {day}: listed twice, the first kept.")
                continue
            seen.add((day, rate.currency))
            found.rates.append(rate)
    if not days:
        raise RatesUnavailable("The rates source sent XML without any day of rates (<Cube time>).")
    return found


def _rate(day: date, attrib: dict[str, str], found: RatesFile) -> Rate | None:
    code = attrib.get("currency", "").strip().upper()
    text = attrib.get("rate", "").strip()
    if not _CODE.match(code):
        found.set_aside(f"On {day}: {code[:20]!r} is not a three-letter currency.")
        return None
    if code == ECB_BASE:
        found.set_aside(f"On {day}: a rate of {ECB_BASE} against itself.")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        found.set_aside(f"{code} on {day}: rate {text[:30]!r} is not a number.")
        return None
    if not value.is_finite() or value < SMALLEST_RATE or value >= LARGEST_RATE:
        found.set_aside(f"{code} on {day}: rate {text[:30]} is not a usable rate.")
        return None
    return Rate(day, code, value)


def _day(text: str) -> date | None:
    if not _DAY.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _local(tag: object) -> str:
    """A tag without its namespace: `{http://www.ecb.int/...}Cube` -> `Cube` (mirrors often
    drop or change the namespace)."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
