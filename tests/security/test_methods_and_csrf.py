"""Every view says which methods it takes; whatever changes something takes only POST, and a
POST without the CSRF token is refused.

The views come from walking the urlconf. Each one is asked with OPTIONS which methods it
allows (`require_POST`, `require_GET`, `require_http_methods` answer 405 with an `Allow` header;
class-based views list theirs), so a new view that forgets to declare its methods, or a new view
that takes GET and POST without being a form page listed below, fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AbstractBaseUser
from django.shortcuts import resolve_url
from django.test import Client

from tests.security.urlwalk import Url, all_urls, changed_tables, sample_values, snapshot

pytestmark = pytest.mark.django_db

# Pages that show a form on GET and act on its POST. Their GET must still change nothing.
FORM_PAGES = {
    "login",
    "panels:add",
    "panels:edit",
    "orders:new",
    "orders:upload",
    "orders:price_rules",
    "orders:price_rule_edit",
    "alerts:channel_add",
    "alerts:channel_edit",
}
# The admin is Django's own (and superusers only, see test_admin.py).
URLS = [url for url in all_urls() if not url.is_admin]
SAFE = {"GET", "HEAD", "OPTIONS"}


@pytest.fixture
def csrf_client(user: AbstractBaseUser) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def allowed_methods(client: Client, path: str) -> set[str]:
    # The login page sends whoever is logged in away; ask it as a visitor.
    response = (Client() if path == resolve_url("login") else client).options(path)
    allow = response.get("Allow", "")
    assert allow, (
        f"{path} answered OPTIONS with {response.status_code} and no Allow header: decorate the "
        "view with require_GET / require_POST / require_http_methods"
    )
    return {method.strip().upper() for method in allow.split(",")}


@pytest.mark.parametrize("url", URLS, ids=str)
def test_every_view_declares_its_methods(logged_in: Client, rows: dict[str, Any], url: Url) -> None:
    path = url.path(sample_values(url, rows))
    before = snapshot()

    methods = allowed_methods(logged_in, path)

    assert changed_tables(before, snapshot()) == []
    writes = methods - SAFE
    if url.name in FORM_PAGES:
        # PUT comes with Django's FormView (it posts the form); nothing else is taken
        assert writes <= {"POST", "PUT"}, (url, methods)
        assert "GET" in methods, (url, methods)
    elif writes:
        assert methods - {"OPTIONS"} == {"POST"}, (
            f"{url} takes {sorted(methods)}: a view that changes something takes only POST "
            "(or, if it is a form page, add it to FORM_PAGES)"
        )


@pytest.mark.parametrize("url", URLS, ids=str)
@pytest.mark.parametrize("method", ["get", "head"])
def test_get_and_head_change_nothing(
    logged_in: Client, rows: dict[str, Any], url: Url, method: str
) -> None:
    path = url.path(sample_values(url, rows))
    post_only = allowed_methods(logged_in, path) - {"OPTIONS"} == {"POST"}
    before = snapshot()

    response = getattr(logged_in, method)(path)

    assert changed_tables(before, snapshot()) == [], f"{method.upper()} {path} changed rows"
    if post_only:
        assert response.status_code == 405, (path, response.status_code)
    else:
        assert response.status_code < 500, (path, response.status_code)


@pytest.mark.parametrize("url", URLS, ids=str)
def test_a_post_without_the_csrf_token_is_refused(
    csrf_client: Client, rows: dict[str, Any], url: Url
) -> None:
    path = url.path(sample_values(url, rows))
    data = {
        "kind": "refill",
        "selection": f"ids={rows['order'].pk}",
        "action": "not_placed",
        "name": "Another",
        "api_url": "https://x.test/api/v2",
        "api_key": "k",
        "username": "alice",
        "password": "pw-correct-horse-battery",
    }
    before = snapshot()

    response = csrf_client.post(path, data)

    assert response.status_code == 403, (path, response.status_code)
    assert changed_tables(before, snapshot()) == []


def test_the_same_post_with_the_token_gets_through(
    csrf_client: Client, rows: dict[str, Any]
) -> None:
    """The refusals above are the CSRF check, not a broken view: with the token it works."""
    page = csrf_client.get(f"/panels/#panel-{rows['panel'].pk}")
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else None
    token = token or csrf_client.cookies["csrftoken"].value

    response = csrf_client.post(f"/panels/{rows['panel'].pk}/active/", HTTP_X_CSRFTOKEN=token)

    assert response.status_code in (200, 302)
    rows["panel"].refresh_from_db()
    assert rows["panel"].is_active is False
