"""The deployment's panel URL rules, where people type URLs: the panel form, the connection test
and the admin all refuse what the client would refuse, and say why."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from panels.models import Panel
from panels.netpolicy import network_options, validate_panel_url
from tests.panels.test_panel_views import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings: Any) -> Any:
    settings.PANEL_ALLOW_HTTP = False
    settings.PANEL_ALLOW_PRIVATE_ADDRESSES = False
    return settings


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://panel.example/api/v2", "The API URL must use https://"),
        ("https://127.0.0.1/api/v2", "127.0.0.1 is a private or local network address"),
        ("https://169.254.169.254/api/v2", "169.254.169.254 is a private or local network"),
        ("https://localhost:8000/api/v2", "Localhost is this server itself"),
    ],
)
def test_the_panel_form_refuses_urls_panels_may_not_be_called_at(
    production: Any, logged_in: Client, url: str, message: str
) -> None:
    response = logged_in.post(reverse("panels:add"), form_data(api_url=url))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Panel.objects.exists()


def test_a_name_resolving_to_a_private_address_is_refused_when_saved(
    production: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def private_dns(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.8", port))]

    monkeypatch.setattr(socket, "getaddrinfo", private_dns)

    with pytest.raises(ValidationError, match=r"resolves to 10\.0\.0\.8"):
        validate_panel_url("https://internal.example/api/v2")


def test_a_name_that_does_not_resolve_yet_is_saved_and_checked_on_every_call(
    production: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_dns(*args: Any, **kwargs: Any) -> Any:
        raise socket.gaierror("no such host")

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)

    validate_panel_url("https://new-panel.example/api/v2")  # no error


def test_the_admin_uses_the_same_rule(production: Any) -> None:
    panel = Panel(name="Local", api_url="http://127.0.0.1:9/api/v2")
    panel.api_key = "k"

    with pytest.raises(ValidationError) as info:
        panel.full_clean()

    assert "api_url" in info.value.message_dict


def test_clients_built_from_a_panel_carry_the_deployment_rules(production: Any) -> None:
    production.PANEL_MAX_RESPONSE_BYTES = 1234
    panel = Panel(name="P", api_url="https://panel.example/api/v2")
    panel.api_key = "k"

    options = panel.client().options

    assert (options.allow_http, options.allow_private) == (False, False)
    assert options.max_response_bytes == 1234
    assert network_options()["max_response_bytes"] == 1234
