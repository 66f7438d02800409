"""The deployment's rules for panel URLs (settings), applied to forms, the admin and clients.

`panels.api.addresses` and `panels.api.transport` enforce them on every request; this module
reads them from settings and turns a refused URL into a form error a person can act on.
"""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

from panels.api.addresses import AddressPolicy, RefusedAddress, check_url, public_addresses


def address_policy() -> AddressPolicy:
    return AddressPolicy(
        allow_http=settings.PANEL_ALLOW_HTTP,
        allow_private=settings.PANEL_ALLOW_PRIVATE_ADDRESSES,
    )


def network_options() -> dict[str, object]:
    """The ClientOptions fields that come from the deployment, not from the panel."""
    policy = address_policy()
    return {
        "allow_http": policy.allow_http,
        "allow_private": policy.allow_private,
        "max_response_bytes": settings.PANEL_MAX_RESPONSE_BYTES,
    }


def validate_panel_url(value: str) -> None:
    """Refuse what the client would refuse, with the reason, when the URL is saved or tested.

    A name that resolves to a private address is refused here too; one that does not resolve
    yet is let through (DNS may be down for a moment) and checked again on every request.
    """
    policy = address_policy()
    try:
        check_url(value, policy)
        if not policy.allow_private:
            parts = urlsplit(value)
            port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
            public_addresses(parts.hostname or "", port)
    except RefusedAddress as exc:
        text = str(exc)
        raise ValidationError(text[:1].upper() + text[1:] + ".", code="refused_address") from None
    except (socket.gaierror, UnicodeError, ValueError):
        return
