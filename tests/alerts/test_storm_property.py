"""Any story of panels failing and recovering, checked at any moments: no channel gets more
than its cap in any hour, each condition is told at most once and resolved at most once (and
only after it was told), nothing suppressed waits while the hour has room, and what is open
at the end is exactly what is failing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts.models import Channel, Condition, Delivery
from alerts.services.check import alerts_check
from panels.models import Panel
from tests.factories import ChannelFactory, PanelFactory

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
STEP = st.tuples(
    st.integers(min_value=0, max_value=2),  # which panel
    st.booleans(),  # fails (True) or recovers
    st.integers(min_value=0, max_value=40),  # minutes since the step before
)
CHANNEL = st.tuples(st.integers(min_value=1, max_value=4), st.integers(min_value=0, max_value=15))


def told_in_any_hour(rows: list[Delivery]) -> int:
    times = sorted(row.created_at for row in rows)
    return max(
        (sum(1 for other in times if at - timedelta(hours=1) < other <= at) for at in times),
        default=0,
    )


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    steps=st.lists(STEP, min_size=1, max_size=40),
    channels=st.lists(CHANNEL, min_size=1, max_size=3),
)
def test_storm_rules_hold_for_any_story(steps, channels) -> None:
    Delivery.objects.all().delete()
    Condition.objects.all().delete()
    Channel.objects.all().delete()
    Panel.objects.all().delete()
    made = [ChannelFactory(hourly_cap=cap, failing_minutes=minutes) for cap, minutes in channels]
    panels = [PanelFactory(name=f"P{n}") for n in range(3)]
    now = T0
    for which, fails, gap in steps:
        now += timedelta(minutes=gap)
        panel = Panel.objects.get(pk=panels[which].pk)
        if fails and panel.health != Panel.Health.FAILING:
            Panel.objects.filter(pk=panel.pk).update(health=Panel.Health.FAILING, failing_since=now)
        elif not fails:
            Panel.objects.filter(pk=panel.pk).update(health=Panel.Health.OK, failing_since=None)
        alerts_check(now=now)

    for channel in made:
        rows = list(Delivery.objects.filter(channel=channel))
        sent = [row for row in rows if row.status == Delivery.Status.QUEUED]
        assert told_in_any_hour(sent) <= channel.hourly_cap
        assert all(row.reason for row in rows if row.status == Delivery.Status.SUPPRESSED)
        by_condition: dict[int, list[Delivery]] = {}
        for row in rows:
            by_condition.setdefault(row.condition_id, []).append(row)
        for condition_id, messages in by_condition.items():
            if condition_id is None:
                continue  # summaries
            events = sorted((row.created_at, row.id, row.event) for row in messages)
            assert [event for *_, event in events] in (["opened"], ["opened", "resolved"])
        # Nothing waits while the hour has room: suppressed messages went out in a summary.
        last_hour = [row for row in sent if row.created_at > now - timedelta(hours=1)]
        if len(last_hour) < channel.hourly_cap:
            assert not any(row.status == Delivery.Status.SUPPRESSED for row in rows)

    failing = set(Panel.objects.filter(health=Panel.Health.FAILING).values_list("pk", flat=True))
    open_keys = set(Condition.objects.filter(resolved_at=None).values_list("key", flat=True))
    assert open_keys == {f"panel_failing:panel:{pk}" for pk in failing}
