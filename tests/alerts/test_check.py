"""The periodic check: each condition is told once when it passes a channel's threshold and
once when it ends; quiet hours and digests hold messages for one summary; the hourly cap
suppresses the rest, and the log accounts for every message."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest

from alerts.models import Channel, Condition, Delivery, Kind
from alerts.services.check import alerts_check
from panels.models import Panel
from tests.factories import ChannelFactory, PanelFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def fail(panel: Panel, since: datetime) -> None:
    Panel.objects.filter(pk=panel.pk).update(
        health=Panel.Health.FAILING, failing_since=since, last_error="Connection refused"
    )


def recover(panel: Panel) -> None:
    Panel.objects.filter(pk=panel.pk).update(health=Panel.Health.OK, failing_since=None)


def log(channel: Channel) -> list[tuple[str, str]]:
    rows = Delivery.objects.filter(channel=channel).order_by("created_at", "id")
    return [(row.event, row.status) for row in rows]


def test_a_failing_panel_is_told_past_the_threshold_once_and_again_when_it_recovers() -> None:
    channel = ChannelFactory(failing_minutes=10)
    panel = PanelFactory(name="Alpha")
    fail(panel, T0)

    alerts_check(now=T0 + timedelta(minutes=5))
    assert log(channel) == []  # failing, but not for 10 minutes yet
    alerts_check(now=T0 + timedelta(minutes=10))
    alerts_check(now=T0 + timedelta(minutes=11))
    assert log(channel) == [("opened", "queued")]
    alert = Delivery.objects.get(channel=channel)
    assert alert.title == "Alpha is failing"
    assert "Failing since 2026-03-10 12:00 UTC. Last error: Connection refused" in alert.body
    assert alert.body.endswith(f"Resolve it: http://localhost:8000/panels/{panel.pk}/edit/")

    recover(panel)
    alerts_check(now=T0 + timedelta(minutes=40))
    alerts_check(now=T0 + timedelta(minutes=41))

    assert log(channel) == [("opened", "queued"), ("resolved", "queued")]
    resolved = Delivery.objects.get(channel=channel, event="resolved")
    assert resolved.title == "Resolved: Alpha is failing"
    assert resolved.body.startswith("No longer the case at 2026-03-10 12:40 UTC, after 40 min.")
    condition = Condition.objects.get()
    assert condition.resolved_at == T0 + timedelta(minutes=40)


def test_a_panel_that_recovers_before_a_channels_threshold_is_never_told() -> None:
    patient = ChannelFactory(failing_minutes=30)
    eager = ChannelFactory(failing_minutes=0)
    panel = PanelFactory()
    fail(panel, T0)
    alerts_check(now=T0 + timedelta(minutes=1))
    recover(panel)
    alerts_check(now=T0 + timedelta(minutes=2))

    assert log(patient) == []
    assert log(eager) == [("opened", "queued"), ("resolved", "queued")]


def test_a_channel_hears_only_the_kinds_it_wants() -> None:
    channel = ChannelFactory(kinds=[Kind.STUCK])
    fail(PanelFactory(), T0)
    alerts_check(now=T0 + timedelta(minutes=20))
    assert log(channel) == []
    assert Condition.objects.filter(kind=Kind.PANEL_FAILING, resolved_at=None).count() == 1


def test_paused_channels_are_skipped() -> None:
    channel = ChannelFactory(is_active=False)
    fail(PanelFactory(), T0)
    alerts_check(now=T0 + timedelta(minutes=20))
    assert log(channel) == []


def test_quiet_hours_hold_messages_for_one_summary_when_they_end() -> None:
    channel = ChannelFactory(quiet_from=time(22, 0), quiet_until=time(7, 0))
    panel = PanelFactory(name="Beta")
    night = datetime(2026, 3, 10, 23, 0, tzinfo=UTC)
    fail(panel, night)
    alerts_check(now=night)
    recover(panel)
    alerts_check(now=night + timedelta(hours=3))
    assert log(channel) == [("opened", "held"), ("resolved", "held")]
    held = Delivery.objects.filter(channel=channel).first()
    assert held is not None
    assert held.reason == ("Quiet hours (22:00–07:00): sent in one summary when they end.")

    alerts_check(now=night + timedelta(hours=8, minutes=1))  # 07:01

    summary = Delivery.objects.get(channel=channel, event=Delivery.Event.SUMMARY)
    assert summary.status == Delivery.Status.QUEUED
    assert summary.title == "During quiet hours (22:00–07:00): 1 alert, 1 resolved"
    assert summary.body.splitlines() == [
        "• 03-10 23:00 Beta is failing",
        "• 03-11 02:00 Resolved: Beta is failing",
        "Times in UTC. The alert log: http://localhost:8000/alerts/",
    ]
    assert sorted(log(channel)) == [
        ("opened", "bundled"),
        ("resolved", "bundled"),
        ("summary", "queued"),
    ]
    assert set(Delivery.objects.filter(status="bundled").values_list("summary", flat=True)) == {
        summary.pk
    }


def test_a_daily_digest_sends_what_was_held_once_a_day_at_its_hour() -> None:
    channel = ChannelFactory(digest=True, digest_hour=8)
    night = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    fail(PanelFactory(name="Gamma"), night)
    alerts_check(now=night)
    alerts_check(now=night + timedelta(hours=5, minutes=59))  # 07:59
    assert log(channel) == [("opened", "held")]

    alerts_check(now=night + timedelta(hours=6))  # 08:00
    alerts_check(now=night + timedelta(hours=9))  # 11:00: no second digest today

    digests = Delivery.objects.filter(channel=channel, event=Delivery.Event.SUMMARY)
    assert [row.title for row in digests] == ["Daily digest: 1 alert, 0 resolved"]
    channel.refresh_from_db()
    assert channel.last_digest_on == night.date()


def test_a_panel_flapping_50_times_in_an_hour_sends_at_most_the_cap() -> None:
    channel = ChannelFactory(hourly_cap=5, failing_minutes=0)
    panel = PanelFactory(name="Flappy")
    for flap in range(50):
        down = T0 + timedelta(seconds=72 * flap)
        fail(panel, down)
        alerts_check(now=down)
        recover(panel)
        alerts_check(now=down + timedelta(seconds=36))

    rows = list(Delivery.objects.filter(channel=channel))
    sent = [row for row in rows if row.status == Delivery.Status.QUEUED]
    suppressed = [row for row in rows if row.status == Delivery.Status.SUPPRESSED]
    assert len(sent) == 5
    # Every failure and every recovery is in the log: sent, or suppressed with the reason.
    assert len(rows) == 100 == len(sent) + len(suppressed)
    assert {row.reason for row in suppressed} == {
        "Over this channel's cap of 5 messages an hour: listed in the next summary, once the "
        "hour has room."
    }
    assert Condition.objects.filter(kind=Kind.PANEL_FAILING).count() == 50

    # An hour after the first messages the cap has room: the panel, down again, is told, and
    # the 95 suppressed messages go out as one summary.
    later = T0 + timedelta(hours=2)
    fail(panel, later)
    alerts_check(now=later)
    new = Delivery.objects.filter(channel=channel, created_at=later).order_by("id")
    assert [(row.event, row.status) for row in new] == [("opened", "queued"), ("summary", "queued")]
    summary = new[1]
    assert summary.title == "Over the hourly cap: 47 alerts, 48 resolved"
    assert summary.body.splitlines()[-2] == "… and 55 more in the alert log."
    assert Delivery.objects.filter(channel=channel, status="bundled", summary=summary).count() == 95
    assert not Delivery.objects.filter(channel=channel, status="suppressed").exists()


def test_a_condition_suppressed_by_the_cap_is_told_in_the_next_summary_while_it_lasts() -> None:
    channel = ChannelFactory(hourly_cap=1, failing_minutes=0)
    first, second = PanelFactory(name="First"), PanelFactory(name="Second")
    fail(first, T0)
    fail(second, T0)
    alerts_check(now=T0)
    assert sorted(log(channel)) == [("opened", "queued"), ("opened", "suppressed")]

    alerts_check(now=T0 + timedelta(minutes=30))  # the hour has no room yet
    assert len(log(channel)) == 2
    alerts_check(now=T0 + timedelta(minutes=61))

    summary = Delivery.objects.get(channel=channel, event=Delivery.Event.SUMMARY)
    assert summary.status == Delivery.Status.QUEUED
    assert "is failing" in summary.body
    # Still failing, and told once: no second alert of the same condition.
    alerts_check(now=T0 + timedelta(hours=3))
    assert Delivery.objects.filter(channel=channel, event="opened").count() == 2


def test_test_messages_do_not_use_up_the_hourly_cap() -> None:
    channel = ChannelFactory(hourly_cap=2, failing_minutes=0)
    for _ in range(3):
        Delivery.objects.create(
            channel=channel,
            event=Delivery.Event.TEST,
            status=Delivery.Status.SENT,
            title="Test message from the SMM dashboard",
            created_at=T0,
        )
    fail(PanelFactory(), T0)
    alerts_check(now=T0 + timedelta(minutes=1))
    assert Delivery.objects.get(channel=channel, event="opened").status == "queued"


def test_messages_whose_task_was_lost_are_queued_again_once_per_ten_minutes() -> None:
    channel = ChannelFactory()
    fail(PanelFactory(), T0)
    alerts_check(now=T0)
    alert = Delivery.objects.get(channel=channel)
    assert alert.queued_at == T0
    # A worker claimed it at T0 + 1 min and died while sending.
    Delivery.objects.filter(pk=alert.pk).update(
        status=Delivery.Status.SENDING, claimed_at=T0 + timedelta(minutes=1)
    )

    assert alerts_check(now=T0 + timedelta(minutes=10)).queued == 0  # it may still be sending
    assert alerts_check(now=T0 + timedelta(minutes=12)).queued == 1
    assert log(channel) == [("opened", "queued")]
    # Queued again now: not again at the next check, only if no task takes it for 10 minutes.
    assert alerts_check(now=T0 + timedelta(minutes=13)).queued == 0
    assert alerts_check(now=T0 + timedelta(minutes=23)).queued == 1


def test_a_message_waiting_for_its_next_try_is_not_lost(settings) -> None:
    settings.ALERTS_RETRY_BACKOFF = 900  # the next try in 15 minutes
    channel = ChannelFactory()
    fail(PanelFactory(), T0)
    alerts_check(now=T0)
    Delivery.objects.filter(channel=channel).update(queued_at=T0 + timedelta(minutes=15))

    assert alerts_check(now=T0 + timedelta(minutes=20)).queued == 0
    assert alerts_check(now=T0 + timedelta(minutes=26)).queued == 1


def test_a_balance_below_its_threshold_or_short_of_queued_orders_is_told() -> None:
    from orders.models import Order
    from tests.factories import OrderFactory, ServiceFactory

    channel = ChannelFactory(kinds=[Kind.BALANCE_LOW])
    low = PanelFactory(name="Low", balance=Decimal("3.20"), currency="USD")
    short = PanelFactory(name="Short", balance=Decimal("50"), currency="USD")
    PanelFactory(name="Fine", balance=Decimal("500"), currency="USD")
    service = ServiceFactory(panel=short)
    for _ in range(3):
        OrderFactory(service=service, state=Order.State.QUEUED, estimated_cost=Decimal("20"))

    alerts_check(now=T0)

    titles = sorted(Delivery.objects.filter(channel=channel).values_list("title", "body"))
    assert titles == [
        (
            "Low: balance low (3.20 USD)",
            "Balance 3.20 USD. Below its threshold of 10.00 USD.\n\n"
            f"Resolve it: http://localhost:8000/balances/{low.pk}/",
        ),
        (
            "Short: balance low (50.00 USD)",
            "Balance 50.00 USD. 3 orders queued for it need about "
            "60.00 USD. Not enough for them: they wait until the balance is topped up.\n\n"
            f"Resolve it: http://localhost:8000/balances/{short.pk}/",
        ),
    ]


def test_the_log_keeps_its_days_and_every_open_condition(settings) -> None:
    from alerts.services.prune import alerts_log_prune

    settings.ALERTS_LOG_DAYS = 90
    channel = ChannelFactory()
    old_panel, open_panel = PanelFactory(name="Old"), PanelFactory(name="Still down")
    fail(old_panel, T0)
    fail(open_panel, T0)
    alerts_check(now=T0)
    recover(old_panel)
    alerts_check(now=T0 + timedelta(days=1))

    # Day one's alert of the old panel goes; the open condition's alert stays: it is how the
    # check knows the channel was told (no second alert of a panel down for 91 days).
    assert alerts_log_prune(now=T0 + timedelta(days=91)) == 1
    assert sorted(log(channel)) == [("opened", "queued"), ("resolved", "queued")]
    alerts_log_prune(now=T0 + timedelta(days=92))
    assert log(channel) == [("opened", "queued")]
    alerts_check(now=T0 + timedelta(days=92))
    assert log(channel) == [("opened", "queued")]
    # The resolved condition went with its days; the one still open stays, however old.
    assert list(Condition.objects.values_list("title", flat=True)) == ["Still down is failing"]


def test_messages_held_for_a_digest_the_channel_dropped_go_out_at_the_next_check() -> None:
    channel = ChannelFactory(digest=True, digest_hour=8)
    night = datetime(2026, 3, 11, 2, 0, tzinfo=UTC)
    fail(PanelFactory(name="Delta"), night)
    alerts_check(now=night)
    Channel.objects.filter(pk=channel.pk).update(digest=False)

    alerts_check(now=night + timedelta(minutes=1))

    summary = Delivery.objects.get(channel=channel, event=Delivery.Event.SUMMARY)
    assert (summary.title, summary.status) == ("Held messages: 1 alert, 0 resolved", "queued")
