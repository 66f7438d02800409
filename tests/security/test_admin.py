"""The Django admin is for superusers only; its login form is the dashboard's (rate limited)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client
from django.urls import reverse

from tests.security.urlwalk import all_urls, changed_tables, sample_values, snapshot

pytestmark = pytest.mark.django_db
ADMIN_URLS = [url for url in all_urls() if url.is_admin and url.name != "admin:login"]


@pytest.fixture
def staff(db: None) -> AbstractBaseUser:
    return get_user_model().objects.create_user("stan", password="pw-staff-1", is_staff=True)


@pytest.fixture
def superuser(db: None) -> AbstractBaseUser:
    return get_user_model().objects.create_superuser("root", password="pw-root-1")


def client_for(user: AbstractBaseUser | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_a_superuser_gets_in(superuser: AbstractBaseUser, rows: dict[str, Any]) -> None:
    client = client_for(superuser)

    assert client.get("/admin/").status_code == 200
    page = client.get(reverse("admin:panels_panel_change", args=[rows["panel"].pk]))
    assert page.status_code == 200
    assert "walk-key-1234" not in page.content.decode()


@pytest.mark.parametrize("url", ADMIN_URLS, ids=str)
def test_staff_who_are_not_superusers_are_refused_everywhere(
    staff: AbstractBaseUser, rows: dict[str, Any], url: Any
) -> None:
    client = client_for(staff)
    path = url.path(sample_values(url, rows))
    before = snapshot()

    response = client.get(path)
    posted = client.post(path, {"name": "changed", "is_active": ""})

    assert response.status_code == 403, path
    assert posted.status_code == 403, path
    assert changed_tables(before, snapshot()) == []


def test_ordinary_users_are_refused(user: AbstractBaseUser) -> None:
    assert client_for(user).get("/admin/").status_code == 403


def test_anonymous_visitors_log_in_on_the_dashboard_login_page(client: Client, db: None) -> None:
    response = client.get("/admin/panels/panel/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/panels/panel/"
    assert response.status_code == 200
    assert response.templates[0].name == "registration/login.html"


def test_the_admin_login_form_cannot_be_used(client: Client, staff: AbstractBaseUser) -> None:
    """No password is checked at /admin/login/: it only sends visitors to our login page."""
    response = client.post("/admin/login/", {"username": "stan", "password": "pw-staff-1"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session


def test_a_superuser_logging_in_comes_back_to_the_admin(
    client: Client, superuser: AbstractBaseUser
) -> None:
    start = client.get("/admin/orders/order/", follow=True)
    back_to = start.redirect_chain[-1][0].split("next=", 1)[1]

    form = {"username": "root", "password": "pw-root-1", "next": back_to}
    response = client.post(f"/accounts/login/?next={back_to}", form)

    assert response.status_code == 302
    assert response["Location"] == "/admin/orders/order/"
    assert client.get("/admin/orders/order/").status_code == 200
    assert client.get("/admin/login/")["Location"] == "/admin/"


def test_a_staff_member_logging_in_is_refused_the_admin(
    client: Client, staff: AbstractBaseUser
) -> None:
    client.post("/accounts/login/", {"username": "stan", "password": "pw-staff-1"})

    assert client.get("/admin/").status_code == 403
    assert client.get("/").status_code == 200  # the dashboard itself is theirs
