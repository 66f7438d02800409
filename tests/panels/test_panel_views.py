"""The Panels pages: list, add/edit, test connection, sync now, enable/disable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from panels import tasks
from panels.models import CatalogEvent, CatalogSync, Panel, Service
from simulator import SimulatorHandle, start_simulator
from tests.factories import PanelFactory, ServiceFactory

STORED_KEY = "stored-secret-key-0123456789"
make_panel = partial(PanelFactory, api_key=STORED_KEY)  # the key a page must never show

pytestmark = pytest.mark.django_db

NEW_KEY = "brand-new-secret-key-abcdef9876"
HTMX = {"HX-Request": "true"}


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Alpha SMM",
        "api_url": "https://panel.example/api/v2",
        "api_key": NEW_KEY,
        "low_balance_threshold": "",
        "http_method": "POST",
        "body_format": "form",
        "key_field": "key",
        "user_agent": "",
        "timeout_seconds": "30",
    }
    data.update(overrides)
    return data


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path, keys=("k", NEW_KEY), balance="1234.50")
    yield handle
    handle.stop()


# ---- Login and CSRF --------------------------------------------------------------------------


def _urls() -> list[tuple[str, str]]:
    return [
        ("get", reverse("panels:list")),
        ("get", reverse("panels:add")),
        ("get", reverse("panels:edit", args=[1])),
        ("post", reverse("panels:test_connection")),
        ("post", reverse("panels:sync", args=[1])),
        ("get", reverse("panels:sync_status", args=[1])),
        ("post", reverse("panels:toggle_active", args=[1])),
    ]


@pytest.mark.parametrize(("method", "url"), _urls())
def test_every_view_sends_anonymous_users_to_login(client: Client, method: str, url: str) -> None:
    make_panel()
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_posts_need_the_csrf_token(user: User) -> None:
    panel = make_panel()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    for url in (
        reverse("panels:add"),
        reverse("panels:test_connection"),
        reverse("panels:sync", args=[panel.pk]),
        reverse("panels:toggle_active", args=[panel.pk]),
    ):
        assert client.post(url, form_data(name="Sneaky")).status_code == 403, url
    panel.refresh_from_db()
    assert panel.is_active
    assert not Panel.objects.filter(name="Sneaky").exists()
    assert not CatalogSync.objects.exists()

    # With the token from the page, the same post works.
    client.get(reverse("panels:list"))
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("panels:toggle_active", args=[panel.pk]), {"active": "0"}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 302
    panel.refresh_from_db()
    assert not panel.is_active


def test_the_views_refuse_the_wrong_method(logged_in: Client) -> None:
    panel = make_panel()
    assert logged_in.get(reverse("panels:sync", args=[panel.pk])).status_code == 405
    assert logged_in.get(reverse("panels:toggle_active", args=[panel.pk])).status_code == 405
    assert logged_in.get(reverse("panels:test_connection")).status_code == 405
    assert logged_in.post(reverse("panels:list")).status_code == 405


# ---- The list --------------------------------------------------------------------------------


def test_the_list_shows_each_panels_state(logged_in: Client) -> None:
    now = timezone.now()
    ok = make_panel(
        name="Alpha SMM",
        balance=Decimal("1234.5"),
        currency="USD",
        health=Panel.Health.OK,
        balance_checked_at=now,
        last_ok_at=now,
        catalog_synced_at=now - timedelta(minutes=40),
    )
    for _ in range(3):
        ServiceFactory(panel=ok)
    ServiceFactory(panel=ok, is_active=False)  # gone from the panel: not counted
    make_panel(
        name="Broken Panel",
        balance=Decimal("87.1"),
        currency="EUR",
        health=Panel.Health.FAILING,
        failing_since=now - timedelta(hours=3),
        last_error_at=now,
        last_error="<script>alert('x')</script> 502 Bad Gateway",
    )
    CatalogSync.objects.create(
        panel=ok,
        state=CatalogSync.State.DONE,
        finished_at=now,
        created=17,
        updated=2,
        deactivated=1,
        reactivated=0,
        events=20,
        services_seen=40,
    )

    response = logged_in.get(reverse("panels:list"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Alpha SMM" in html
    assert "1,234.50" in html
    assert "USD" in html
    assert "<strong>3</strong> active" in html
    assert "synced <time" in html
    assert "<strong>17</strong> new" in html
    assert "<strong>20</strong> events" in html
    assert "failing</span>" in html
    assert "(3\xa0hours)" in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; 502 Bad Gateway" in html
    assert "<script>alert" not in html
    assert 'class="last-error panel-row-error is-current" hx-disable' in html
    assert "1 failing" in html


def test_the_list_flags_a_low_balance_with_the_panels_own_threshold(
    logged_in: Client, settings
) -> None:
    settings.LOW_BALANCE_THRESHOLD = Decimal("10")
    make_panel(
        name="Own threshold",
        balance=Decimal("40"),
        currency="USD",
        low_balance_threshold=Decimal("50"),
    )
    make_panel(name="Site default", balance=Decimal("40"), currency="USD")
    make_panel(name="Disabled", balance=Decimal("1"), currency="USD", is_active=False)

    html = logged_in.get(reverse("panels:list")).content.decode()

    rows = {name: html[html.index(f">{name}</h2>") :] for name in ("Own threshold", "Site default")}
    own = rows["Own threshold"][: rows["Own threshold"].index("</li>")]
    default = rows["Site default"][: rows["Site default"].index("</li>")]
    assert "Low balance" in own
    assert "Alert at 50.00" in own
    assert "Low balance" not in default
    assert "Alert at 10.00 (site default)" in default
    assert html.count("Low balance") == 1  # the disabled panel is not flagged
    assert "1 low on balance" in html


def test_the_list_explains_what_to_do_without_panels(logged_in: Client) -> None:
    html = logged_in.get(reverse("panels:list")).content.decode()
    assert "No panels yet" in html
    assert f'href="{reverse("panels:add")}"' in html


def test_the_list_query_count_does_not_grow_with_panels(
    logged_in: Client, django_assert_num_queries
) -> None:
    def add_panel() -> None:
        panel = make_panel(balance=Decimal("5"), currency="USD", health=Panel.Health.OK)
        ServiceFactory(panel=panel)
        CatalogSync.objects.create(panel=panel, state=CatalogSync.State.DONE)
        CatalogSync.objects.create(panel=panel, state=CatalogSync.State.RUNNING)

    add_panel()
    logged_in.get(reverse("panels:list"))  # warm up the session
    with django_assert_num_queries(4) as few:  # session, user, panels, latest syncs
        logged_in.get(reverse("panels:list"))
    for _ in range(6):
        add_panel()
    with django_assert_num_queries(len(few.captured_queries)):
        response = logged_in.get(reverse("panels:list"))
    assert response.content.decode().count('class="sync-status is-running"') == 7


def test_the_list_shows_the_latest_run_polling_while_it_is_in_flight(logged_in: Client) -> None:
    panel = make_panel()
    CatalogSync.objects.create(panel=panel, state=CatalogSync.State.DONE, created=3)
    running = CatalogSync.objects.create(panel=panel, state=CatalogSync.State.RUNNING)

    html = logged_in.get(reverse("panels:list")).content.decode()

    assert f'hx-get="{reverse("panels:sync_status", args=[running.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "Syncing the catalog" in html


# ---- Add and edit ----------------------------------------------------------------------------


def test_adding_a_panel_saves_it_with_an_encrypted_key_and_never_shows_the_key(
    logged_in: Client, simulator: SimulatorHandle
) -> None:
    pages = [logged_in.get(reverse("panels:add"))]
    response = logged_in.post(
        reverse("panels:add"),
        form_data(low_balance_threshold="25.5", api_url=simulator.api_url()),
    )

    assert response.status_code == 302
    panel = Panel.objects.get(name="Alpha SMM")
    assert response.url == f"{reverse('panels:list')}#panel-{panel.pk}"
    assert panel.api_key == NEW_KEY
    assert NEW_KEY not in panel.api_key_encrypted
    assert panel.low_balance_threshold == Decimal("25.5")
    assert panel.balance == Decimal("1234.50")  # what the test on save read, kept
    assert (panel.http_method, panel.key_field, panel.timeout_seconds) == ("POST", "key", 30)

    pages.append(logged_in.get(response.url))
    pages.append(logged_in.get(reverse("panels:edit", args=[panel.pk])))
    # A form sent back with errors does not echo the typed key either.
    pages.append(logged_in.post(reverse("panels:add"), form_data(api_url="not a url")))
    pages.append(logged_in.post(reverse("panels:edit", args=[panel.pk]), form_data(name="")))
    for page in pages:
        assert page.status_code == 200
        assert NEW_KEY not in page.content.decode()
    assert "Added Alpha SMM" in pages[1].content.decode()
    edit = pages[2].content.decode()
    assert f'Current key: <span class="mono">••••{NEW_KEY[-4:]}</span>' in edit
    assert "Leave empty to keep the current key." in edit
    assert 'type="password"' in edit


def test_adding_stores_the_balance_it_read_and_editing_checks_it_in_the_background(
    logged_in: Client, django_capture_on_commit_callbacks, monkeypatch, simulator
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks.balance_sync, "delay", queued.append)

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(reverse("panels:add"), form_data(api_url=simulator.api_url()))
    panel = Panel.objects.get()
    assert (panel.balance, panel.currency, panel.health) == (Decimal("1234.50"), "USD", "ok")
    assert panel.balance_checked_at is not None
    assert queued == []  # nothing left to check: the test on save read it

    with django_capture_on_commit_callbacks(execute=True):
        logged_in.post(
            reverse("panels:edit", args=[panel.pk]),
            form_data(api_key="", api_url=simulator.api_url()),
        )
    assert queued == [panel.pk]


def test_adding_a_panel_whose_key_is_refused_asks_before_saving(
    logged_in: Client, simulator: SimulatorHandle
) -> None:
    data = form_data(api_url=simulator.api_url(), api_key="wrong-key-0000000000")
    refused = logged_in.post(reverse("panels:add"), data)

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Not saved: the connection test failed. The panel refused the API key." in html
    assert 'name="save_anyway"' in html
    assert "wrong-key-0000000000" not in html
    assert not Panel.objects.exists()

    saved = logged_in.post(reverse("panels:add"), {**data, "save_anyway": "on"})
    assert saved.status_code == 302
    panel = Panel.objects.get()
    assert panel.health == Panel.Health.FAILING
    assert panel.last_error.startswith("The panel refused the API key.")
    assert panel.balance is None


def test_testing_the_saved_settings_of_a_panel_stores_the_balance_it_read(
    logged_in: Client, simulator: SimulatorHandle
) -> None:
    panel = make_panel(name="Saved", api_key="k", api_url=simulator.api_url())
    edited = form_data(api_key="", api_url=simulator.api_url(), timeout_seconds="9")

    logged_in.post(f"{reverse('panels:test_connection')}?panel={panel.pk}", edited, headers=HTMX)
    panel.refresh_from_db()
    assert panel.balance is None  # other settings than the saved ones: nothing is learnt

    logged_in.post(
        f"{reverse('panels:test_connection')}?panel={panel.pk}",
        {**edited, "timeout_seconds": "30"},
        headers=HTMX,
    )
    panel.refresh_from_db()
    assert (panel.balance, panel.currency, panel.health) == (Decimal("1234.50"), "USD", "ok")


def test_the_add_form_explains_what_is_wrong(logged_in: Client) -> None:
    make_panel(name="Taken")
    response = logged_in.post(
        reverse("panels:add"),
        form_data(
            name="Taken",
            api_url="ftp://panel.example/api",
            api_key="",
            key_field="my key",
            timeout_seconds="0",
            low_balance_threshold="-1",
        ),
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "You already have a panel with this name." in html
    assert "The API URL must start with https:// or http://." in html
    assert "Enter the panel&#x27;s API key." in html
    assert "Use only letters, digits" in html
    assert "Enter a whole number of seconds, 1 to 120." in html
    assert "Enter 0 or more, or leave it empty." in html
    assert 'aria-invalid="true"' in html
    assert '<details class="advanced" open>' in html  # errors inside are not hidden
    assert Panel.objects.count() == 1


def test_a_url_without_a_scheme_is_refused_not_guessed(logged_in: Client) -> None:
    response = logged_in.post(reverse("panels:add"), form_data(api_url="panel.example/api/v2"))
    assert response.status_code == 200
    assert "must start with https:// or http://" in response.content.decode()
    assert not Panel.objects.exists()


def test_editing_with_an_empty_key_keeps_the_stored_key(logged_in: Client, simulator) -> None:
    panel = make_panel(name="Alpha SMM", api_url=simulator.api_url())
    response = logged_in.post(
        reverse("panels:edit", args=[panel.pk]),
        form_data(
            name="Alpha Renamed",
            api_key="",
            http_method="GET",
            body_format="json",
            key_field="api_token",
            user_agent="Custom/1.0",
            timeout_seconds="45",
            low_balance_threshold="3",
            api_url=simulator.api_url(),
            save_anyway="on",
        ),
    )

    assert response.status_code == 302
    panel.refresh_from_db()
    assert panel.name == "Alpha Renamed"
    assert panel.api_key == STORED_KEY
    assert (panel.http_method, panel.body_format, panel.key_field) == ("GET", "json", "api_token")
    assert (panel.user_agent, panel.timeout_seconds) == ("Custom/1.0", 45)
    assert panel.low_balance_threshold == Decimal("3")

    # Changed request options keep the Advanced section open on the next visit.
    html = logged_in.get(reverse("panels:edit", args=[panel.pk])).content.decode()
    assert '<details class="advanced" open>' in html
    assert STORED_KEY not in html


def test_editing_with_a_new_key_replaces_it(logged_in: Client, simulator) -> None:
    panel = make_panel(name="Alpha SMM", api_url=simulator.api_url())
    logged_in.post(
        reverse("panels:edit", args=[panel.pk]),
        form_data(api_key=f"  {NEW_KEY} ", api_url=simulator.api_url()),
    )
    panel.refresh_from_db()
    assert panel.api_key == NEW_KEY
    assert panel.balance == Decimal("1234.50")  # the new key was tested, its answer kept


def test_editing_a_panel_tests_new_connection_settings_before_saving_them(
    logged_in: Client, simulator
) -> None:
    panel = make_panel(name="Alpha SMM", api_key="k", api_url=simulator.api_url())
    wrong = form_data(api_key="wrong-key-0000000000", api_url=simulator.api_url())

    refused = logged_in.post(reverse("panels:edit", args=[panel.pk]), wrong)
    same = form_data(api_key="", api_url=simulator.api_url(), name="Renamed")
    renamed = logged_in.post(reverse("panels:edit", args=[panel.pk]), same)

    assert refused.status_code == 200
    html = refused.content.decode()
    assert "Not saved: the connection test failed. The panel refused the API key." in html
    assert "leave the field empty for the saved key" in html
    assert renamed.status_code == 302  # nothing about the connection changed: nothing tested
    panel.refresh_from_db()
    assert (panel.name, panel.api_key) == ("Renamed", "k")
    assert len(simulator.requests("balance")) == 1


def test_editing_an_unknown_panel_is_a_404(logged_in: Client) -> None:
    assert logged_in.get(reverse("panels:edit", args=[999])).status_code == 404


# ---- Test connection ---------------------------------------------------------------------------


def test_testing_a_connection_shows_the_balance(logged_in: Client, simulator) -> None:
    response = logged_in.post(
        reverse("panels:test_connection"),
        form_data(api_url=simulator.api_url(), api_key="k", name=""),
        headers=HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # only the partial
    assert "Connected" in html
    assert "1,234.50" in html
    assert "USD" in html
    assert "hx-disable" in html
    assert not Panel.objects.exists()  # nothing saved


def test_testing_a_connection_with_a_bad_key_says_so(logged_in: Client, simulator) -> None:
    response = logged_in.post(
        reverse("panels:test_connection"),
        form_data(api_url=simulator.api_url(), api_key="wrong-key-0123456789"),
        headers=HTMX,
    )

    html = response.content.decode()
    assert "Connection failed" in html
    assert "The panel refused the API key." in html
    assert "wrong-key-0123456789" not in html


def test_testing_a_web_page_says_it_is_not_an_api(logged_in: Client, simulator) -> None:
    simulator.set_fault("html")
    response = logged_in.post(
        reverse("panels:test_connection"),
        form_data(api_url=simulator.api_url(), api_key="k"),
        headers=HTMX,
    )
    assert "Cloudflare" in response.content.decode()


def test_testing_on_edit_with_an_empty_key_uses_the_stored_key(
    logged_in: Client, simulator
) -> None:
    panel = make_panel(name="Alpha SMM", api_key="k", api_url="https://old.example/api/v2")
    url = f"{reverse('panels:test_connection')}?panel={panel.pk}"

    response = logged_in.post(url, form_data(api_url=simulator.api_url(), api_key=""), headers=HTMX)

    html = response.content.decode()
    assert "Connected" in html
    assert "1,234.50" in html
    panel.refresh_from_db()
    assert panel.api_url == "https://old.example/api/v2"  # testing does not save


def test_testing_without_a_key_or_with_a_bad_url_explains_what_to_fix(logged_in: Client) -> None:
    response = logged_in.post(
        reverse("panels:test_connection"),
        form_data(api_url="javascript:alert(1)", api_key=""),
        headers=HTMX,
    )

    html = response.content.decode()
    assert "Not tested" in html
    assert "must start with https:// or http://" in html
    assert "Enter the API key to test the connection." in html


def test_testing_a_connection_to_an_unknown_panel_is_a_404(logged_in: Client) -> None:
    url = f"{reverse('panels:test_connection')}?panel=999"
    assert logged_in.post(url, form_data(), headers=HTMX).status_code == 404
    url = f"{reverse('panels:test_connection')}?panel=abc"
    assert logged_in.post(url, form_data(), headers=HTMX).status_code == 404


# ---- Sync now ----------------------------------------------------------------------------------


def test_sync_now_starts_a_run_and_the_status_shows_progress_then_the_result(
    logged_in: Client, simulator, django_capture_on_commit_callbacks
) -> None:
    panel = make_panel(name="Alpha SMM", api_key="k", api_url=simulator.api_url())

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = logged_in.post(reverse("panels:sync", args=[panel.pk]), headers=HTMX)

    assert len(callbacks) == 1  # the Celery task is queued once the run is committed
    run = CatalogSync.objects.get(panel=panel)
    assert run.state == CatalogSync.State.QUEUED
    assert run.trigger == CatalogSync.Trigger.BUTTON
    html = response.content.decode()
    status_url = reverse("panels:sync_status", args=[run.pk])
    assert f'hx-get="{status_url}" hx-trigger="every 1s"' in html
    assert "Sync queued" in html
    assert "<progress" in html

    CatalogSync.objects.filter(pk=run.pk).update(state=CatalogSync.State.RUNNING)
    html = logged_in.get(status_url, headers=HTMX).content.decode()
    assert "Syncing the catalog" in html
    assert 'hx-trigger="every 1s"' in html
    assert "<html" not in html

    tasks.catalog_sync(panel.pk, run.pk)  # what the worker does

    html = logged_in.get(status_url, headers=HTMX).content.decode()
    run.refresh_from_db()
    assert run.state == CatalogSync.State.DONE
    assert run.created > 10
    assert "hx-trigger" not in html  # polling stops
    assert f"<strong>{run.created}</strong> new" in html
    assert "<strong>0</strong> gone" in html
    assert "Sync now" in html  # ready for the next one
    page = logged_in.get(reverse("panels:list")).content.decode()
    assert f"<strong>{run.created}</strong> active" in page


def test_a_failed_sync_shows_the_error_escaped(logged_in: Client) -> None:
    panel = make_panel()
    run = CatalogSync.objects.create(
        panel=panel,
        state=CatalogSync.State.FAILED,
        finished_at=timezone.now(),
        error="<img src=x onerror=alert(1)> The panel refused the API key",
    )

    html = logged_in.get(reverse("panels:sync_status", args=[run.pk]), headers=HTMX)
    html = html.content.decode()

    assert "Sync failed" in html
    assert "&lt;img src=x onerror=alert(1)&gt; The panel refused the API key" in html
    assert "<img" not in html
    assert "hx-trigger" not in html


def test_a_second_sync_click_while_one_is_in_flight_reuses_the_run(logged_in: Client) -> None:
    panel = make_panel()
    first = logged_in.post(reverse("panels:sync", args=[panel.pk]), headers=HTMX)
    second = logged_in.post(reverse("panels:sync", args=[panel.pk]), headers=HTMX)

    run = CatalogSync.objects.get(panel=panel)
    status_url = reverse("panels:sync_status", args=[run.pk])
    assert status_url in first.content.decode()
    assert status_url in second.content.decode()


def test_sync_now_without_javascript_goes_back_to_the_list(logged_in: Client) -> None:
    panel = make_panel(name="Alpha SMM")
    response = logged_in.post(reverse("panels:sync", args=[panel.pk]), follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('panels:list')}#panel-{panel.pk}"
    assert "Syncing the catalog of Alpha SMM" in response.content.decode()
    assert CatalogSync.objects.filter(panel=panel).count() == 1


def test_a_disabled_panel_is_not_synced(logged_in: Client) -> None:
    panel = make_panel(is_active=False)
    response = logged_in.post(reverse("panels:sync", args=[panel.pk]), headers=HTMX)
    assert "Enable the panel to sync it." in response.content.decode()
    assert not CatalogSync.objects.exists()


def test_an_unknown_sync_run_is_a_404_and_stops_a_poll(logged_in: Client) -> None:
    assert logged_in.get(reverse("panels:sync_status", args=[999])).status_code == 404
    response = logged_in.get(reverse("panels:sync_status", args=[999]), headers=HTMX)
    assert response.status_code == 286  # htmx stops polling


# ---- Disable / enable --------------------------------------------------------------------------


def test_disabling_a_panel_keeps_its_services_and_history(logged_in: Client) -> None:
    panel = make_panel(name="Alpha SMM", balance=Decimal("1"), currency="USD")
    service = ServiceFactory(panel=panel)
    run = CatalogSync.objects.create(panel=panel, state=CatalogSync.State.DONE)
    CatalogEvent.objects.create(panel=panel, service=service, sync=run, kind="added")
    Order.objects.create(panel=panel, service=service, link="https://x.example/p", quantity=100)

    response = logged_in.post(
        reverse("panels:toggle_active", args=[panel.pk]), {"active": "0"}, follow=True
    )

    panel.refresh_from_db()
    assert not panel.is_active
    assert Service.objects.filter(panel=panel, is_active=True).count() == 1
    assert CatalogSync.objects.filter(panel=panel).count() == 1
    assert CatalogEvent.objects.filter(panel=panel).count() == 1
    assert Order.objects.filter(panel=panel).count() == 1
    html = response.content.decode()
    assert "Disabled Alpha SMM" in html
    assert ">Disabled</span>" in html
    assert "Low balance" not in html  # a disabled panel is not flagged
    assert ">Enable<" in html

    logged_in.post(reverse("panels:toggle_active", args=[panel.pk]), {"active": "1"})
    panel.refresh_from_db()
    assert panel.is_active
