"""Writes: the base currency, the rates URL, a rate entered by hand, and fetching rates.

A fetch never loses a rate: the source's answer is read whole first, and only a file with at
least one usable rate writes anything. Whatever goes wrong (unreachable, refused, not 200, too
big, not XML, no rates) leaves every stored rate as it was and says why on the Rates page.
A rate entered by hand is a person's correction: a later fetch never overwrites it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from currency.fetch import ECB_BASE, RatesFile, RatesUnavailable, download, parse
from currency.models import RATE_PLACES, CurrencySettings, ExchangeRate

logger = logging.getLogger(__name__)

_CODE = re.compile(r"^[A-Za-z]{3}$")
NO_URL = "No rates URL is set: type one first, or enter rates by hand."


class CurrencyInvalid(ValueError):
    """A currency code or rate a person typed that cannot be used; the text says why."""


def currency_code_clean(value: str) -> str:
    code = (value or "").strip()
    if not _CODE.match(code):
        shown = f"{code[:20]!r} is not a currency" if code else "A currency is needed"
        raise CurrencyInvalid(f"{shown}: type its three letters, such as USD.")
    return code.upper()


def _stored_row(*, lock: bool = False) -> CurrencySettings:
    """The one settings row for a write, made now with the deployment's defaults if nobody
    saved it yet (reads take CurrencySettings.load(), which never writes). `lock` holds it to
    the end of the transaction: a fetch and a rate typed by hand write one after the other."""
    defaults = {"base_currency": settings.BASE_CURRENCY.upper()}
    CurrencySettings.objects.get_or_create(pk=1, defaults=defaults)
    rows = CurrencySettings.objects.select_for_update() if lock else CurrencySettings.objects
    return rows.get(pk=1)


def base_currency_set(*, code: str) -> CurrencySettings:
    """Totals are shown in this currency from now on. Stored rates are kept whatever their
    base: a conversion reads them directly, inverted or across a third currency."""
    row = _stored_row()
    row.base_currency = currency_code_clean(code)
    row.save(update_fields=["base_currency"])
    return row


def rates_url_set(*, url: str) -> CurrencySettings:
    row = _stored_row()
    row.rates_url = url.strip()
    row.save(update_fields=["rates_url"])
    return row


def rate_set(*, currency: str, day: date, rate: Decimal) -> ExchangeRate:
    """1 base currency = `rate` `currency` on `day`, entered by hand: it replaces any rate of
    that pair and day (a fetched one too) and stays until a person changes it."""
    base = CurrencySettings.load().base_currency
    code = currency_code_clean(currency)
    if code == base:
        raise CurrencyInvalid(f"{code} is the base currency: its rate is always 1.")
    if not rate.is_finite() or rate.quantize(Decimal(1).scaleb(-RATE_PLACES)) <= 0:
        raise CurrencyInvalid("A rate is a number above 0, such as 92.5.")
    with transaction.atomic():
        _stored_row(lock=True)  # one writer at a time with a fetch
        row, _ = ExchangeRate.objects.update_or_create(
            day=day,
            base=base,
            currency=code,
            defaults={"rate": rate, "source": ExchangeRate.Source.MANUAL},
        )
    return row


@dataclass(frozen=True)
class FetchOutcome:
    ok: bool
    message: str
    stored: int = 0


def rates_fetch(*, now: datetime | None = None) -> FetchOutcome:
    """Fetches the rates URL and stores its rates. Never raises: the outcome is recorded on
    the settings row (`rates_error`, `rates_checked_at`, and on success `rates_fetched_at`)."""
    now = now or timezone.now()
    url = CurrencySettings.load().rates_url
    if not url:
        return _failed(NO_URL, now=now)
    try:
        body = download(
            url,
            allow_http=settings.PANEL_ALLOW_HTTP,
            allow_private=settings.PANEL_ALLOW_PRIVATE_ADDRESSES,
        )
        found = parse(body)
    except RatesUnavailable as exc:
        return _failed(str(exc), now=now)
    except Exception as exc:  # our bug or a library's: still never a half-written fetch
        logger.exception("rates fetch from %s failed", url)
        return _failed(f"The rates could not be read ({type(exc).__name__}).", now=now)
    if not found.rates:
        why = f" {found.notes[0]}" if found.notes else ""
        return _failed(f"The rates source listed no usable rates.{why}", now=now)
    try:
        return _store(found, now=now)
    except DatabaseError as exc:  # the transaction rolled back: no rate was changed
        logger.exception("storing the rates fetched from %s failed", url)
        return _failed(f"The rates could not be stored ({type(exc).__name__}).", now=now)


def _failed(reason: str, *, now: datetime) -> FetchOutcome:
    message = f"{reason} The rates stored before are kept."
    _stored_row()
    CurrencySettings.objects.filter(pk=1).update(
        rates_error=message, rates_checked_at=now, rates_notes=""
    )
    return FetchOutcome(ok=False, message=message)


def _store(found: RatesFile, *, now: datetime) -> FetchOutcome:
    """Upserts the fetched rates in one transaction, leaving rows entered by hand alone."""
    with transaction.atomic():
        _stored_row(lock=True)
        manual = set(
            ExchangeRate.objects.filter(
                base=ECB_BASE,
                day__in=found.days,
                source=ExchangeRate.Source.MANUAL,
            ).values_list("day", "currency")
        )
        rows = [
            ExchangeRate(
                day=rate.day,
                base=ECB_BASE,
                currency=rate.currency,
                rate=rate.rate,
                source=ExchangeRate.Source.FETCHED,
                updated_at=now,
            )
            for rate in found.rates
            if (rate.day, rate.currency) not in manual
        ]
        ExchangeRate.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["day", "base", "currency"],
            update_fields=["rate", "source", "updated_at"],
        )
        days = found.days
        span = f"{days[0]}" if len(days) == 1 else f"{days[0]} to {days[-1]}"
        message = f"Fetched {len(rows):,} rates for {span}."
        if manual:
            message += f" {len(manual):,} entered by hand kept as they are."
        notes = ""
        if found.skipped:
            message += f" {found.skipped:,} set aside."
            notes = "\n".join(found.notes)
        CurrencySettings.objects.filter(pk=1).update(
            rates_error="", rates_notes=notes, rates_checked_at=now, rates_fetched_at=now
        )
    return FetchOutcome(ok=True, message=message, stored=len(rows))
