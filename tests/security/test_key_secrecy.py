"""A panel's API key never leaves the database in clear: not in any page (admin and exports
included), not in a task's arguments, not on an error page, whatever the page."""

from __future__ import annotations

import inspect
import json
import secrets
import sys
from typing import Any

import pytest
from celery.app.task import Task
from django.contrib.auth.models import User
from django.core.signals import got_request_exception
from django.http import HttpRequest
from django.test import Client
from django.views.debug import ExceptionReporter

from orders import tasks as order_tasks
from orders.services import order_create
from panels import tasks as panel_tasks
from panels.models import CatalogSync, Panel, Service
from panels.services import ConnectionCheck, catalog_sync_start
from tests.security.urlwalk import all_urls, sample_values

pytestmark = pytest.mark.django_db
KEY = "walk-key-1234"  # the key of the panel in the `rows` fixture


@pytest.fixture
def superuser_client(db: None) -> Client:
    user = User.objects.create_superuser("root", "root@example.com", "pw-0987654321")
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def test_no_page_shows_the_key(superuser_client: Client, rows: dict[str, Any]) -> None:
    assert rows["panel"].api_key == KEY
    rendered = set()
    for url in all_urls():
        path = url.path(sample_values(url, rows))
        response = superuser_client.get(path)
        body = b"".join(response) if response.streaming else response.content  # type: ignore[arg-type]
        assert KEY.encode() not in body, f"{path} shows the API key"
        assert rows["panel"].api_key_encrypted.encode() not in body, f"{path} shows the token"
        if response.status_code == 200:
            rendered.add(url.name)
    # The walk really rendered the pages where a key could show: the panel's own pages, its
    # admin page, the order pages and every CSV export.
    assert {
        "panels:list",
        "panels:edit",
        "admin:panels_panel_change",
        "admin:panels_panel_changelist",
        "orders:detail",
        "orders:export",
        "orders:bulk_export",
        "orders:upload_results_csv",
    } <= rendered


def test_task_arguments_are_ids_never_keys(
    rows: dict[str, Any], monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    sent: list[tuple[str, Any, Any]] = []

    def record(self: Task, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        sent.append((self.name, args, kwargs))

    monkeypatch.setattr(Task, "apply_async", record)
    panel: Panel = rows["panel"]
    panel.is_active = True
    panel.save()
    CatalogSync.objects.update(state=CatalogSync.State.FAILED)  # the fixture's run is in flight

    service = Service.objects.get(pk=rows["service"].pk)  # the fixture's holds raw strings
    with django_capture_on_commit_callbacks(execute=True):
        order_create(service=service, values={"link": "https://x.test/t", "quantity": 100})
        catalog_sync_start(panel=panel, trigger=CatalogSync.Trigger.BUTTON)

    names = {name for name, _, _ in sent}
    assert {"orders.tasks.dispatch_panel", "panels.tasks.catalog_sync"} <= names
    for name, args, kwargs in sent:
        text = json.dumps([args, kwargs], default=str)
        assert KEY not in text, name
        assert panel.api_key_encrypted not in text, name


def test_no_task_takes_a_key_parameter() -> None:
    """Task arguments sit in the broker in clear: every task takes ids, looked up on the worker."""
    ours = {
        f"{module.__name__}.{name}": task
        for module in (order_tasks, panel_tasks)
        for name, task in vars(module).items()
        if isinstance(task, Task)
    }
    assert len(ours) >= 10
    for name, task in ours.items():
        parameters = set(inspect.signature(task.run).parameters)
        assert not {p for p in parameters if "key" in p or "secret" in p}, name


def test_an_error_page_or_report_never_shows_the_typed_key(
    superuser_client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The production 500 page says nothing; the error report (what a logging or mail handler
    would send) masks the key posted to the panel form."""
    settings.DEBUG = False
    typed = "typed-" + secrets.token_hex(12)  # not in any source file the report could quote
    failed: list[HttpRequest] = []

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the database went away")

    def remember(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
        failed.append(request)

    monkeypatch.setattr("panels.forms.PanelForm.save", broken)
    monkeypatch.setattr(
        "panels.forms.PanelForm.connection_check",
        lambda form: ConnectionCheck(ok=True, message="Connected."),
    )
    got_request_exception.connect(remember)
    try:
        response = superuser_client.post(
            "/panels/add/",
            {
                "name": "New",
                "api_url": "https://panel.example/api/v2",
                "api_key": typed,
                "http_method": "POST",
                "body_format": "form",
                "key_field": "key",
                "timeout_seconds": "30",
            },
        )
    finally:
        got_request_exception.disconnect(remember)

    assert response.status_code == 500
    assert typed.encode() not in response.content
    (request,) = failed
    try:
        raise RuntimeError("the database went away")
    except RuntimeError:
        report = ExceptionReporter(request, *sys.exc_info()).get_traceback_text()
    assert "api_key" in report
    assert typed not in report
