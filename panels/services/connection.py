"""Test a panel connection before saving it, and say in plain words what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from panels.client import ClientOptions, PanelClient
from panels.errors import BadApiKey, Cause, PanelError, PanelRejected, Reason
from panels.formatting import money_text


@dataclass(frozen=True)
class ConnectionCheck:
    ok: bool
    message: str
    balance: Decimal | None = None
    currency: str = ""
    detail: str = ""  # the technical reason, for people who want it


def _explain(error: PanelError, url: str, timeout: float) -> str:
    if isinstance(error, BadApiKey):
        return "The panel refused the API key. Copy it again from the panel's API page."
    if isinstance(error, PanelRejected):
        if error.reason == Reason.INCORRECT_REQUEST:
            return ("The URL answers like a panel, but refused the balance request. Check that "
                    "it is the API v2 endpoint and the request options are right.")  # fmt: skip
        return f"The panel answered with an error: {error.text}"
    messages = {
        Cause.CONNECT: "Could not connect: the address does not resolve or refuses connections.",
        Cause.TIMEOUT: f"The panel did not answer within {timeout:g} seconds.",
        Cause.TLS: "TLS/SSL error: the panel's certificate could not be verified.",
        Cause.DROPPED: "The panel closed the connection without answering.",
        Cause.CLOUDFLARE: "The panel sits behind a Cloudflare check page, so its API cannot be "
        "reached from here right now. Try again later or ask the panel to allow API calls.",
        Cause.NOT_JSON: "The URL answered with a web page, not the API's JSON. This is not an "
        "API v2 endpoint; it usually ends in /api/v2.",
        Cause.SHAPE: "The URL answered with JSON, but not an API v2 balance. Check the URL.",
    }
    if error.cause == Cause.HTTP and error.http_status in (404, 405):
        return (f"There is no API at this URL (HTTP {error.http_status}). Use the full API URL, "
                "for example https://panel.example/api/v2.")  # fmt: skip
    if error.cause == Cause.HTTP and error.http_status == 429:
        return "The panel is rate limiting requests (HTTP 429). Try again in a minute."
    if error.cause == Cause.HTTP and error.http_status and error.http_status >= 500:
        return f"The panel is having trouble (HTTP {error.http_status}). Try again later."
    return messages.get(error.cause, error.message)


def panel_connection_test(
    *, api_url: str, api_key: str, options: ClientOptions | None = None
) -> ConnectionCheck:
    """Call `balance` once (no retries) and report the balance or a clear reason."""
    base = options or ClientOptions()
    options = ClientOptions(
        method=base.method, key_field=base.key_field, body=base.body,
        user_agent=base.user_agent, timeout=min(base.timeout, 20.0), retries=0,
    )  # fmt: skip
    try:
        balance = PanelClient(api_url, api_key, options).balance()
    except PanelError as error:
        return ConnectionCheck(
            ok=False, message=_explain(error, api_url, options.timeout), detail=error.message
        )
    currency = balance.currency or "?"
    return ConnectionCheck(
        ok=True,
        message=f"Connected. Balance: {money_text(balance.amount)} {currency}.",
        balance=balance.amount,
        currency=balance.currency,
    )
