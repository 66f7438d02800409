"""Two checks at once (the schedule's and "Check now") open a new condition once: the second
waits for the first, then finds it open."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, connections, transaction

from alerts.models import Condition, Delivery
from alerts.services.check import CHECK_LOCK, alerts_check
from panels.models import Panel
from tests.factories import ChannelFactory, PanelFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def test_a_check_waits_for_the_one_running_and_opens_nothing_twice() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time by itself")
    channel = ChannelFactory()
    panel = PanelFactory()
    Panel.objects.filter(pk=panel.pk).update(health=Panel.Health.FAILING, failing_since=NOW)
    errors: list[BaseException] = []

    def second_check() -> None:
        try:
            alerts_check(now=NOW)
        except BaseException as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connections.close_all()

    with transaction.atomic():
        alerts_check(now=NOW)  # the first check, not committed yet: it holds the lock
        other = threading.Thread(target=second_check)
        other.start()
        other.join(timeout=1)
        assert other.is_alive(), "the second check ran while the first was open"
    other.join(timeout=30)

    assert errors == []
    assert Condition.objects.count() == 1
    assert Delivery.objects.filter(channel=channel).count() == 1
    with connection.cursor() as cursor:  # the lock went with the transactions
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [CHECK_LOCK])
        assert cursor.fetchone()[0]
        cursor.execute("SELECT pg_advisory_unlock(%s)", [CHECK_LOCK])
