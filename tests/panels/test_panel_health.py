"""A panel's health in words, and its card following a sync's result without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from panels.api.errors import BadApiKey, PanelUnavailable
from panels.health import health_words, read_age
from panels.models import CatalogSync, Panel, Service
from panels.services import panel_mark_failing, panel_mark_ok
from panels.services.explain import explain_error

NOW = datetime(2026, 3, 14, 15, 30, tzinfo=UTC)
HTMX = {"HX-Request": "true"}


def failing(error: Exception, since: datetime) -> Panel:
    panel = Panel(name="P", health=Panel.Health.FAILING, failing_since=since, last_error_at=since)
    panel.last_error = f"{explain_error(error)}\n{getattr(error, 'message', '')}"
    return panel


def key_refused(name: str) -> Panel:
    """A saved panel whose last call the panel answered by refusing the key."""
    panel = Panel(name=name, api_url="https://panel.example/api/v2")
    panel.api_key = "key-0123456789abcdef"
    panel.save()
    panel_mark_failing(panel=panel, error=BadApiKey("balance: the panel refused the API key"))
    return panel


def test_a_refused_key_is_called_a_refused_key_not_a_panel_that_is_not_answering():
    refused = health_words(
        failing(BadApiKey("balance: the panel refused the API key"), NOW), now=NOW
    )
    down = health_words(
        failing(PanelUnavailable("balance: HTTP 502", cause="http", http_status=502), NOW), now=NOW
    )

    assert (refused.refused_key, refused.headline) == (True, "The panel refused the API key")
    assert (down.refused_key, down.headline) == (False, "Not answering")


@pytest.mark.parametrize(
    ("ago", "since", "duration"),
    [
        (timedelta(0), "just now", ""),
        (timedelta(seconds=59), "just now", ""),
        (timedelta(minutes=1), "since 15:29", "1\xa0minute"),
        (timedelta(hours=3), "since 12:30", "3\xa0hours"),
        (timedelta(days=2), "since 12 Mar, 15:30", "2\xa0days"),
    ],
)
def test_failing_says_since_when_and_never_for_0_minutes(ago, since, duration):
    words = health_words(failing(PanelUnavailable("x"), NOW - ago), now=NOW)

    assert (words.since, words.duration) == (since, duration)
    assert "0\xa0minutes" not in words.duration


def test_an_error_is_past_once_the_panel_answered_well_after_it():
    panel = failing(BadApiKey("refused"), NOW - timedelta(hours=1))
    assert health_words(panel, now=NOW).error_is_current

    panel.health, panel.failing_since, panel.last_ok_at = Panel.Health.OK, None, NOW
    assert not health_words(panel, now=NOW).error_is_current

    # A note written while the panel answers (a balance it could not use) is current.
    panel.last_error_at = NOW + timedelta(seconds=1)
    assert health_words(panel, now=NOW).error_is_current


@pytest.mark.django_db
def test_a_finished_sync_swaps_the_whole_card_with_the_panels_new_health(logged_in: Client):
    panel = key_refused("Fixed")
    run = CatalogSync.objects.create(panel=panel, state=CatalogSync.State.RUNNING)

    polling = logged_in.get(reverse("panels:sync_status", args=[run.pk]), headers=HTMX)
    assert "HX-Retarget" not in polling.headers  # still running: only the sync slot
    assert "The panel refused the API key" not in polling.content.decode()

    # The key is fixed and the sync (a worker) stored 45 services and marked the panel OK.
    for number in range(45):
        Service.objects.create(panel=panel, remote_id=str(number), name="S", rate=Decimal(1))
    panel_mark_ok(panel=panel)
    CatalogSync.objects.filter(pk=run.pk).update(state=CatalogSync.State.DONE, created=45)

    done = logged_in.get(reverse("panels:sync_status", args=[run.pk]), headers=HTMX)

    assert done.headers["HX-Retarget"] == f"#panel-{panel.pk}"
    assert done.headers["HX-Reswap"] == "outerHTML"
    html = done.content.decode()
    assert html.lstrip().startswith(f'<li id="panel-{panel.pk}"')
    assert '<p class="muted" id="panels-summary" hx-swap-oob="true">' in html
    assert "failing</span>" not in html.split('id="panels-summary"')[1]  # the count follows
    assert '<span class="badge badge-ok">OK</span>' in html
    assert "<strong>45</strong> active" in html
    assert "<strong>45</strong> new" in html
    assert "not checked yet</span>" not in html  # the health (the balance was never read)
    assert "Failing" not in html
    assert "Past error" in html  # kept, folded away and labelled as past
    assert 'class="last-error panel-row-error is-current"' not in html
    assert 'hx-trigger="every 1s"' not in html


@pytest.mark.django_db
def test_the_list_and_the_overview_name_a_refused_key(logged_in: Client):
    key_refused("Wrong Key")

    listed = logged_in.get(reverse("panels:list")).content.decode()
    overview = logged_in.get(reverse("overview")).content.decode()

    assert "The panel refused the API key</span>" in listed
    assert "Wrong Key</strong>: the panel refused the API key" in overview
    for html in (listed, overview):
        assert "just now" in html
        assert "is not answering" not in html
        assert "0\xa0minutes" not in html


def test_a_value_read_from_a_panel_says_how_old_it_is():
    assert read_age(None, now=NOW) == "never read"
    assert read_age(NOW - timedelta(seconds=30), now=NOW) == "read just now"
    assert read_age(NOW - timedelta(minutes=3), now=NOW) == "read 3\xa0minutes ago"
