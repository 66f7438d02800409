"""Panel errors in plain words, for the connection test and the panels' last error."""

from __future__ import annotations

from panels.api.errors import BadApiKey, Cause, PanelError, PanelRejected, Reason


def explain_error(error: Exception, *, timeout: float | None = None) -> str:
    """What went wrong, in words a reseller can act on."""
    if not isinstance(error, PanelError):
        return str(error) or type(error).__name__
    if isinstance(error, BadApiKey):
        return "The panel refused the API key. Copy it again from the panel's API page."
    if isinstance(error, PanelRejected):
        if error.reason == Reason.INCORRECT_REQUEST:
            return (
                f"The URL answers like a panel, but refused the {error.action or 'API'} "
                "request. Check that it is the API v2 endpoint and the request options are "
                "right."
            )
        return f"The panel answered with an error: {error.text}"
    messages = {
        Cause.CONNECT: "Could not connect: the address does not resolve or refuses connections.",
        Cause.TIMEOUT: f"The panel did not answer within {timeout:g} seconds."
        if timeout
        else "The panel did not answer in time.",
        Cause.TLS: "TLS/SSL error: the panel's certificate could not be verified.",
        Cause.DROPPED: "The panel closed the connection without answering.",
        Cause.CLOUDFLARE: "The panel sits behind a Cloudflare check page, so its API cannot be "
        "reached from here right now. Try again later or ask the panel to allow API calls.",
        Cause.NOT_JSON: "The URL answered with a web page, not the API's JSON. This is not an "
        "API v2 endpoint; it usually ends in /api/v2.",
        Cause.SHAPE: "The URL answered with JSON, but not what API v2 answers to "
        f"'{error.action or 'this request'}'. Check the URL.",
        Cause.TOO_LARGE: "The panel's answer was far larger than any API v2 answer, so it was "
        "not read. Check the URL.",
    }
    if error.cause == Cause.REFUSED_ADDRESS:
        return f"Not called: {error.message}."
    if error.cause == Cause.HTTP and error.http_status in (404, 405):
        return (
            f"There is no API at this URL (HTTP {error.http_status}). Use the full API URL, "
            "for example https://panel.example/api/v2."
        )
    if error.cause == Cause.HTTP and error.http_status == 429:
        return "The panel is rate limiting requests (HTTP 429). Try again in a minute."
    if error.cause == Cause.HTTP and error.http_status and error.http_status >= 500:
        return f"The panel is having trouble (HTTP {error.http_status}). Try again later."
    return messages.get(error.cause, error.message)
