"""Every balance a panel answers is kept as a reading; one that cannot be used is not."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses

from panels.models import BalanceReading
from panels.services import balance_sync
from tests.factories import PanelFactory

URL = "https://panel.example/api/v2"


@pytest.fixture
def mock(settings):
    settings.PANEL_HTTP_RETRIES = 0
    with responses.RequestsMock() as rsps:
        yield rsps


@pytest.mark.django_db
def test_each_balance_read_is_kept_with_its_currency_and_time(mock):
    panel = PanelFactory(api_url=URL)
    mock.post(URL, json={"balance": "100.84292", "currency": "USD"})
    mock.post(URL, json={"balance": "90.5", "currency": "USD"})

    balance_sync(panel=panel)
    balance_sync(panel=panel)

    readings = list(BalanceReading.objects.filter(panel=panel))
    assert [r.amount for r in readings] == [Decimal("100.84292"), Decimal("90.5")]
    assert {r.currency for r in readings} == {"USD"}
    assert readings[0].read_at <= readings[1].read_at
    panel.refresh_from_db()
    assert panel.balance_checked_at == readings[1].read_at


@pytest.mark.django_db
def test_a_balance_that_cannot_be_used_is_not_a_reading(mock):
    panel = PanelFactory(api_url=URL)
    mock.post(URL, json={"balance": "1e30", "currency": "USD"})

    balance_sync(panel=panel)

    assert not BalanceReading.objects.exists()


@pytest.mark.django_db
def test_an_overdrawn_balance_is_kept_as_a_reading(mock):
    """A panel that debited more than it should (a drip-feed order billed by its units: 50
    went to -450) answers a negative balance: it is real, stored and kept as a reading."""
    panel = PanelFactory(api_url=URL)
    mock.post(URL, json={"balance": "-450.00", "currency": "USD"})

    balance_sync(panel=panel)

    assert [r.amount for r in BalanceReading.objects.filter(panel=panel)] == [Decimal("-450.00")]
    panel.refresh_from_db()
    assert panel.balance == Decimal("-450.00")
    assert panel.is_low_on_balance
