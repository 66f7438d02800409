"""One request to a panel and what its answer means (no Django imports; used by
panels.api.client, which decides what to retry).

The request is built before anything is sent, so a failure there sent nothing
(RequestNotSent). It goes out under the call's total deadline (panels.api.deadline), never
follows a redirect, and its answer is read up to the size limit. Then the answer is judged:
429, an in-band `{"error": ...}` (a bad key is told apart), redirects, 5xx, other 4xx, and a
body that is not JSON. For a write, anything after the request may have reached the panel
is OutcomeUnknown; for a read it is PanelUnavailable.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests

from panels.api.addresses import AddressPolicy, RefusedAddress, check_url, refused_reason
from panels.api.deadline import call_deadline
from panels.api.errors import (
    AddressRefused,
    BadApiKey,
    Cause,
    OutcomeUnknown,
    PanelError,
    PanelHttpError,
    PanelRejected,
    PanelUnavailable,
    PanelUnreachable,
    RateLimited,
    Reason,
    RequestNotSent,
    reason_for,
)
from panels.api.jsonarray import SpooledArray, starts_an_array
from panels.api.normalise import error_text, storable_text
from panels.api.options import ClientOptions
from panels.api.wire import (
    CLOUDFLARE_MARKS,
    NOT_JSON,
    Secret,
    decode_json,
    excerpt,
    never_connected,
    read_body,
    retry_after_seconds,
    spool_body,
)

logger = logging.getLogger("panels.api.client")  # one logger for the client's lines, as before

WRITE_ACTIONS = frozenset({"add", "refill", "cancel"})
ANSWER_KEPT = 2000  # characters of an answer kept with what it answered


class Exchange:
    """Sends one action's request to the panel at `url` and reads its answer."""

    def __init__(
        self,
        url: str,
        key: Secret,
        options: ClientOptions,
        policy: AddressPolicy,
        session: requests.Session,
    ) -> None:
        self.url = url
        self._key = key
        self.options = options
        self._policy = policy
        self._session = session
        self.last_answer = ""  # the text of the latest answer (capped, key scrubbed)

    def call(self, action: str, fields: dict[str, str], *, stream_arrays: bool = False) -> Any:
        """One HTTP request. Returns the decoded JSON, or raises the matching PanelError.

        With `stream_arrays`, a successful answer that is a JSON array comes back undecoded, as
        a SpooledArray to read one element at a time (and close); any other answer is judged
        as usual."""
        write = action in WRITE_ACTIONS
        try:
            check_url(self.url, self._policy)
        except RefusedAddress as exc:
            raise AddressRefused(str(exc), action=action) from None
        payload = {self.options.key_field: self._key.reveal(), "action": action, **fields}
        self.last_answer = ""
        try:
            request = self._prepare(payload)
        except Exception as exc:  # a header or URL requests cannot send: nothing left
            raise RequestNotSent(
                f"{action}: the request could not be built ({type(exc).__name__}); "
                "nothing was sent",
                action=action,
            ) from None
        started = time.monotonic()
        with call_deadline(self.options.timeout) as deadline:
            try:
                response = self._send(request)
                limit = self.options.max_response_bytes
                spooled = spool_body(response, limit) if stream_arrays else None
                body = read_body(response, limit) if not stream_arrays else None
            except requests.RequestException as exc:
                refused = refused_reason(exc)
                if refused:
                    raise AddressRefused(refused, action=action) from None
                late = time.monotonic() >= deadline
                raise self._network_error(action, exc, write=write, late=late) from None
        if spooled is not None:
            if 200 <= response.status_code < 300 and starts_an_array(spooled):
                head = spooled.read(ANSWER_KEPT * 4).decode("utf-8-sig", errors="replace")
                spooled.seek(0)
                self.last_answer = storable_text(self.scrub(head[:ANSWER_KEPT]))
                return SpooledArray(spooled, self.last_answer)
            with spooled:  # not an array: judged as any answer, as large as it may be
                body = spooled.read()
        if body is None:
            raise self._failure(
                action,
                f"the answer is larger than {self.options.max_response_bytes:,} bytes",
                write=write,
                status=response.status_code,
                cause=Cause.TOO_LARGE,
            )
        logger.debug(
            "%s %s -> HTTP %s in %.2fs",
            action,
            self.url,
            response.status_code,
            time.monotonic() - started,
        )
        text = body.decode("utf-8-sig", errors="replace")
        self.last_answer = storable_text(self.scrub(text[:ANSWER_KEPT]))
        try:
            return self._judge(action, response, text, write=write)
        except PanelError as exc:  # every refusal keeps the panel's words with it
            exc.answer = exc.answer or self.last_answer
            raise

    def _judge(self, action: str, response: requests.Response, text: str, *, write: bool) -> Any:
        """What the answer means: the decoded JSON, or the matching PanelError."""
        data = decode_json(text)
        # Cloudflare's check page comes as 403, 503 or 200: recognise it whatever the status.
        page_cause = (
            Cause.CLOUDFLARE
            if data is NOT_JSON and any(mark in text for mark in CLOUDFLARE_MARKS)
            else None
        )

        if response.status_code == 429:
            raise RateLimited(
                f"{action}: the panel is rate limiting (HTTP 429)",
                action=action,
                retry_after=retry_after_seconds(response.headers.get("Retry-After")),
            )
        message = error_text(data)
        if message is not None and not (
            action == "add" and isinstance(data, dict) and data.get("order")
        ):
            message = self.scrub(message)
            if reason_for(message) == Reason.BAD_KEY:
                raise BadApiKey(
                    f"{action}: the panel refused the API key ({message})",
                    action=action,
                    http_status=response.status_code,
                )
            raise PanelRejected(message, action=action, http_status=response.status_code)
        if write and response.status_code >= 300 and isinstance(data, dict) and data.get("order"):
            # An order id under an error status: the panel may well have placed it.
            raise self._failure(
                action,
                f"HTTP {response.status_code} with an order id",
                write=write,
                status=response.status_code,
                cause=Cause.HTTP,
            )
        if 300 <= response.status_code < 400:
            location = self.scrub(response.headers.get("Location", ""))
            raise PanelHttpError(
                f"{action}: the panel redirects (HTTP {response.status_code}) to "
                f"{location or 'another address'}; set the panel's API URL to that address",
                action=action,
                http_status=response.status_code,
                cause=Cause.HTTP,
            )
        if response.status_code >= 500 or response.status_code == 408:
            raise self._failure(
                action,
                f"HTTP {response.status_code}",
                write=write,
                status=response.status_code,
                cause=page_cause or Cause.HTTP,
            )
        if 400 <= response.status_code < 500:
            raise PanelHttpError(
                f"{action}: the panel refused the request with HTTP {response.status_code}; "
                "check the API URL and request options",
                action=action,
                http_status=response.status_code,
                cause=page_cause or Cause.HTTP,
            )
        if data is NOT_JSON:
            raise self._failure(
                action,
                f"the answer is not JSON: {self.scrub(excerpt(text))}",
                write=write,
                status=response.status_code,
                cause=page_cause or Cause.NOT_JSON,
            )
        return data

    def _prepare(self, payload: dict[str, str]) -> requests.PreparedRequest:
        """The request, built before anything is sent (so a failure here sent nothing)."""
        opts = self.options
        headers = {"User-Agent": opts.user_agent, "Accept": "application/json, */*;q=0.5"}
        opts.user_agent.encode("latin-1")  # HTTP headers are Latin-1: fail here, not mid-send
        if opts.method.upper() == "GET":
            request = requests.Request("GET", self.url, params=payload, headers=headers)
        elif opts.body == "json":
            request = requests.Request("POST", self.url, json=payload, headers=headers)
        else:
            request = requests.Request("POST", self.url, data=payload, headers=headers)
        return self._session.prepare_request(request)

    def _send(self, request: requests.PreparedRequest) -> requests.Response:
        opts = self.options
        # As session.request() does: proxies and CA bundle from the environment when trusted.
        env = self._session.merge_environment_settings(request.url, {}, True, None, None)
        # Never follow redirects: a POST redirected to https arrives as a GET without its body,
        # and the panel's answer to that would be misread.
        return self._session.send(
            request,
            timeout=(min(opts.connect_timeout, opts.timeout), opts.timeout),
            allow_redirects=False,
            **env,  # stream=True: read by wire.read_body, which stops at the size limit
        )

    def _network_error(
        self, action: str, exc: requests.RequestException, *, write: bool, late: bool = False
    ) -> PanelError:
        if never_connected(exc):
            return PanelUnreachable(
                f"{action}: could not connect to {self.url}", action=action, cause=Cause.CONNECT
            )
        if late or isinstance(exc, requests.Timeout):
            what = f"timed out (no complete answer within {self.options.timeout:g}s)"
            cause = Cause.TIMEOUT
        elif isinstance(exc, requests.exceptions.SSLError):
            what, cause = "TLS/SSL error (certificate or handshake)", Cause.TLS
        else:
            what, cause = "the connection broke", Cause.DROPPED
        return self._failure(action, what, write=write, status=None, cause=cause)

    def _failure(
        self, action: str, what: str, *, write: bool, status: int | None, cause: str
    ) -> PanelError:
        """The request was sent and no usable answer came back."""
        if write:
            return OutcomeUnknown(
                f"{action}: {what} after the request was sent; the panel may have done it. "
                "Check on the panel before trying again.",
                action=action,
                http_status=status,
                cause=cause,
                answer=self.last_answer,
            )
        return PanelUnavailable(f"{action}: {what}", action=action, http_status=status, cause=cause)

    def scrub(self, text: str) -> str:
        key = self._key.reveal()
        return text.replace(key, "***") if key else text
