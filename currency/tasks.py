"""Thin Celery tasks for exchange rates."""

from __future__ import annotations

import logging

from celery import shared_task

from currency import services
from currency.models import CurrencySettings

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def rates_fetch_scheduled() -> None:
    """The beat's fetch: nothing to do without a rates URL (rates entered by hand only). Never
    raises; the outcome is on the Rates page."""
    if not CurrencySettings.load().rates_url:
        return
    outcome = services.rates_fetch()
    log = logger.info if outcome.ok else logger.warning
    log("rates fetch: %s", outcome.message)
