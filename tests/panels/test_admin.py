"""The Django admin: every model is there, and API keys are write-only and shown masked."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import Order, Refill
from panels.models import Panel, Service

SECRET = "admin-visible-key-55aa33cc"


@pytest.fixture
def panel(db) -> Panel:
    panel = Panel(name="Alpha", api_url="https://alpha.example/api/v2")
    panel.api_key = SECRET
    panel.save()
    return panel


@pytest.fixture
def order(panel) -> Order:
    service = Service.objects.create(panel=panel, remote_id="1", name="Followers", rate="0.9")
    order = Order.objects.create(
        panel=panel,
        service=service,
        link="https://x.test/a",
        quantity=100,
        state=Order.State.PLACED,
        remote_id="23501",
    )
    Refill.objects.create(order=order, remote_id="7", status="pending")
    return order


@pytest.mark.parametrize("model", ["panel", "service", "order", "refill"])
def test_every_model_has_an_admin_list_and_detail_page(admin_client, order, model):
    app = "panels" if model in {"panel", "service"} else "orders"
    obj = {
        "panel": order.panel,
        "service": order.service,
        "order": order,
        "refill": order.refills.get(),
    }[model]

    listing = admin_client.get(reverse(f"admin:{app}_{model}_changelist"))
    detail = admin_client.get(reverse(f"admin:{app}_{model}_change", args=[obj.pk]))

    assert listing.status_code == 200
    assert detail.status_code == 200
    assert SECRET not in listing.content.decode()
    assert SECRET not in detail.content.decode()


def test_the_panel_page_shows_the_key_masked(admin_client, panel):
    page = admin_client.get(reverse("admin:panels_panel_change", args=[panel.pk])).content.decode()

    assert "••••" + SECRET[-4:] in page
    assert panel.api_key_encrypted not in page


def test_adding_a_panel_in_the_admin_encrypts_its_key(admin_client, db):
    answer = admin_client.post(
        reverse("admin:panels_panel_add"),
        {
            "name": "Beta",
            "api_url": "https://beta.example/api/v2",
            "new_api_key": "beta-key-123",
            "is_active": "on",
            "http_method": "POST",
            "key_field": "key",
            "body_format": "form",
            "user_agent": "",
            "timeout_seconds": "30",
        },
    )

    assert answer.status_code == 302
    beta = Panel.objects.get(name="Beta")
    assert beta.api_key == "beta-key-123"
    assert "beta-key-123" not in beta.api_key_encrypted


def test_a_new_panel_needs_a_key(admin_client, db):
    answer = admin_client.post(
        reverse("admin:panels_panel_add"),
        {
            "name": "Beta",
            "api_url": "https://beta.example/api/v2",
            "new_api_key": "",
            "http_method": "POST",
            "key_field": "key",
            "body_format": "form",
            "timeout_seconds": "30",
        },
    )

    assert answer.status_code == 200
    assert "A new panel needs its API key." in answer.content.decode()
    assert not Panel.objects.filter(name="Beta").exists()


def test_editing_without_a_new_key_keeps_the_old_one(admin_client, panel):
    admin_client.post(
        reverse("admin:panels_panel_change", args=[panel.pk]),
        {
            "name": "Alpha renamed",
            "api_url": panel.api_url,
            "new_api_key": "",
            "is_active": "on",
            "http_method": "POST",
            "key_field": "key",
            "body_format": "form",
            "user_agent": "",
            "timeout_seconds": "30",
        },
    )

    panel.refresh_from_db()
    assert panel.name == "Alpha renamed"
    assert panel.api_key == SECRET


def test_staff_without_superuser_rights_cannot_see_panels(client, django_user_model, panel):
    user = django_user_model.objects.create_user("staff", password="pw-123456", is_staff=True)
    client.force_login(user)

    assert client.get(reverse("admin:panels_panel_changelist")).status_code == 403
