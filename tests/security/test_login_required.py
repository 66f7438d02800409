"""Every URL of the project needs a login: anonymous visitors are sent to the login page.

The URLs come from walking the whole urlconf, so a page added later is checked without being
listed here. Only the short allow-list below answers without a login.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client

from tests.security.urlwalk import (
    Url,
    all_urls,
    changed_tables,
    resolves_to_itself,
    sample_values,
    snapshot,
)

pytestmark = pytest.mark.django_db

# Names of the only views that answer without a login.
PUBLIC = {"login", "healthz", "favicon"}
# The admin's own login URL hands anonymous visitors on to ours (see dashboard/admin.py).
HANDED_ON = {"admin:login"}
URLS = all_urls()


def login_path() -> str:
    return resolve_url(settings.LOGIN_URL)


def test_the_walk_finds_the_whole_project() -> None:
    names = {url.name for url in URLS}
    assert {
        "overview",
        "panels:list",
        "catalog:browse",
        "orders:list",
        "orders:upload",
        "admin:index",
        "admin:panels_panel_change",
    } <= names
    assert len(URLS) > 60


@pytest.mark.parametrize("url", URLS, ids=str)
def test_every_url_can_be_filled_in(url: Url, rows: dict[str, Any]) -> None:
    path = url.path(sample_values(url, rows))
    assert resolves_to_itself(url, path), f"{url.route}: the sample {path} reaches another view"


def follow_to_login(client: Client, method: str, path: str) -> tuple[int, str]:
    """Follow redirects on this site (at most three) and return the last status and path."""
    response = getattr(client, method)(path)
    for _ in range(3):
        if response.status_code not in (301, 302, 303, 307, 308):
            break
        target = urlsplit(response["Location"])
        assert not target.netloc or target.netloc == "testserver", response["Location"]
        if target.path == login_path():
            query = parse_qs(target.query)
            return response.status_code, f"{target.path}?next={query.get('next', [''])[0]}"
        response = client.get(response["Location"])
    return response.status_code, response.request["PATH_INFO"]


@pytest.mark.parametrize("url", [u for u in URLS if u.name not in PUBLIC], ids=str)
@pytest.mark.parametrize("method", ["get", "post"])
def test_anonymous_visitors_are_sent_to_log_in(
    client: Client, rows: dict[str, Any], url: Url, method: str
) -> None:
    path = url.path(sample_values(url, rows))
    before = snapshot()

    status, landed = follow_to_login(client, method, path)

    assert status == 302, (path, status, landed)
    assert landed.startswith(f"{login_path()}?next="), (path, landed)
    if url.name not in HANDED_ON:
        # back to the page that was asked for once logged in
        assert landed.endswith(f"next={path}"), (path, landed)
    assert changed_tables(before, snapshot()) == []


def test_the_public_pages_are_exactly_login_healthz_and_the_icon(client: Client, db: None) -> None:
    assert client.get(resolve_url("login")).status_code == 200
    assert client.get("/healthz").status_code == 200
    icon = client.get("/favicon.ico")
    assert icon.status_code == 301
    assert urlsplit(icon["Location"]).path.endswith(".svg")
    assert {u.name for u in URLS if u.name in PUBLIC} == PUBLIC


def test_static_files_need_no_login(client: Client) -> None:
    response = client.get(f"/{settings.STATIC_URL.strip('/')}/css/app.css")
    # WhiteNoise answers before any view; in tests without collectstatic it may be a 404, but
    # never a redirect to the login page.
    assert response.status_code in (200, 404)
    assert "Location" not in response
