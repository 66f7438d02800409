"""Fixtures for the alert tests: real local receivers, and the deployment's address rules as a
laptop has them (the receivers listen on 127.0.0.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.alerts.helpers import SmtpReceiver


@pytest.fixture
def smtp_receiver() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver()
    yield receiver
    receiver.stop()


@pytest.fixture
def local_network(settings: Any) -> None:
    settings.PANEL_ALLOW_HTTP = True
    settings.PANEL_ALLOW_PRIVATE_ADDRESSES = True
    settings.ALERTS_RETRY_BACKOFF = 0
