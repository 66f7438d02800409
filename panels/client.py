"""The API v2 client: one class that speaks every action of the protocol (no Django imports).

    client = PanelClient("https://panel.example/api/v2", "secret-key")
    client.balance()                     -> Balance(amount=Decimal("100.84292"), currency="USD")
    client.add("1", {"link": ..., "quantity": 100}, order_type="default") -> OrderPlaced

Read-only actions (services, status, refill_status, balance) retry transient failures with
backoff and jitter. Writes (add, refill, cancel) are sent at most once once the request may
have reached the panel: then the client raises OutcomeUnknown and never resends. Only a
connection that never opened is tried again, because then nothing left this machine.

Every call has a total deadline of `ClientOptions.timeout` seconds, enforced at the socket
(panels.transport.call_deadline): connecting, sending, the status line, the headers and the
body all end by it, however slowly the panel trickles its answer.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import requests

from panels import results
from panels.errors import (
    AddressRefused,
    BadApiKey,
    Cause,
    ItemError,
    OutcomeUnknown,
    PanelError,
    PanelHttpError,
    PanelRejected,
    PanelUnavailable,
    PanelUnreachable,
    RateLimited,
    Reason,
    RequestNotSent,
    TransientError,
    reason_for,
)
from panels.normalise import error_text
from panels.order_types import FieldValue, add_fields
from panels.results import (
    Balance,
    CancelResult,
    Catalog,
    OrderPlaced,
    OrderStatus,
    RefillCreated,
    RefillState,
)
from panels.transport import (
    AddressPolicy,
    RefusedAddress,
    call_deadline,
    check_url,
    panel_session,
    refused_reason,
)
from panels.wire import (
    CLOUDFLARE_MARKS,
    NOT_JSON,
    Secret,
    chunks,
    decode_json,
    excerpt,
    never_connected,
    read_body,
    retry_after_seconds,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

WRITE_ACTIONS = frozenset({"add", "refill", "cancel"})
BACKOFF_JITTER_MAX = 1.5  # a retry waits 0.5 to 1.5 times its backoff
ANSWER_KEPT = 2000  # characters of an answer kept with what it answered
DEFAULT_USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) SMMDashboard/1.0"


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Per-panel request options; the defaults suit nearly every panel."""

    method: str = "POST"  # "POST" or "GET"
    key_field: str = "key"  # some panels want "api_token" or "api"
    body: str = "form"  # "form" (x-www-form-urlencoded) or "json"
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 30.0  # the whole call's deadline: connect, send and the complete answer
    connect_timeout: float = 10.0
    retries: int = 2  # extra attempts for read-only actions
    backoff: float = 1.0  # first retry delay in seconds; doubles each time
    max_delay: float = 30.0
    # Where requests may go (panels.transport): public https addresses unless allowed.
    allow_http: bool = False
    allow_private: bool = False
    # The largest answer read, in bytes (a catalog of 10,000 services is about 5 MB).
    max_response_bytes: int = 32 * 1024 * 1024


def longest_write_seconds(options: ClientOptions) -> float:
    """The longest one write (`add`) can take: every attempt ends by the deadline, and between
    attempts whose connection never opened the client pauses at most its largest backoff."""
    pauses = sum(
        min(options.backoff * 2**attempt * BACKOFF_JITTER_MAX, options.max_delay)
        for attempt in range(options.retries)
    )
    return (options.retries + 1) * options.timeout + pauses


class PanelClient:
    def __init__(
        self,
        url: str,
        api_key: str,
        options: ClientOptions | None = None,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.url = url
        self._key = Secret(api_key)
        self.options = options or ClientOptions()
        self._policy = AddressPolicy(self.options.allow_http, self.options.allow_private)
        self._session = session or panel_session(self._policy)
        self._sleep = sleep
        self._last_answer = ""  # the text of the latest answer (capped, key scrubbed)

    def __repr__(self) -> str:
        return f"PanelClient(url={self.url!r}, key='***')"

    # --- actions ---------------------------------------------------------------------------

    def services(self) -> Catalog:
        return self._read("services", {}, results.parse_catalog)

    def add(
        self,
        service_id: str | int,
        fields: Mapping[str, FieldValue | None],
        *,
        order_type: str | None = None,
    ) -> OrderPlaced:
        """Place one order. With `order_type`, the type's required fields are checked first."""
        if order_type is not None:
            body = add_fields(order_type, fields)
        else:
            body = {k: str(v) for k, v in fields.items() if v is not None and str(v) != ""}
        body["service"] = str(service_id)
        data = self._write("add", body)
        answer = self._last_answer
        try:
            return results.parse_order_placed(data, answer=answer)
        except results.ShapeError as exc:
            # The panel answered, but not with a usable order id: it may still have created one.
            raise OutcomeUnknown(
                f"add: the panel's answer has no usable order id ({exc}); the panel may have "
                "placed it. Check on the panel before trying again.",
                action="add",
                cause=Cause.SHAPE,
                answer=answer,
            ) from None

    def status(self, order_id: str) -> OrderStatus | ItemError:
        """One order's status; an answer that cannot be used is an UnusableAnswer."""
        return self._read(
            "status", {"order": order_id}, lambda data: results.parse_order_status(order_id, data)
        )

    def statuses(self, order_ids: Iterable[str]) -> dict[str, OrderStatus | ItemError]:
        found: dict[str, OrderStatus | ItemError] = {}
        for chunk in chunks(order_ids):
            found.update(
                self._read(
                    "status",
                    {"orders": ",".join(chunk)},
                    partial(results.parse_status_batch, chunk),
                )
            )
        return found

    def refill(self, order_id: str) -> RefillCreated:
        data = self._write("refill", {"order": order_id})
        return self._parse_write("refill", lambda: results.parse_refill_created(order_id, data))

    def refills(self, order_ids: Iterable[str]) -> dict[str, RefillCreated]:
        return self._write_batch(
            "refill",
            order_ids,
            results.parse_refill_batch,
            lambda i, err: RefillCreated(order_id=i, refill_id=None, error=err),
        )

    def refill_status(self, refill_id: str) -> RefillState:
        return self._read(
            "refill_status",
            {"refill": refill_id},
            lambda data: results.parse_refill_state(refill_id, data),
        )

    def refill_statuses(self, refill_ids: Iterable[str]) -> dict[str, RefillState]:
        found: dict[str, RefillState] = {}
        for chunk in chunks(refill_ids):
            found.update(
                self._read(
                    "refill_status",
                    {"refills": ",".join(chunk)},
                    partial(results.parse_refill_state_batch, chunk),
                )
            )
        return found

    def cancel(self, order_ids: Iterable[str]) -> dict[str, CancelResult]:
        return self._write_batch(
            "cancel",
            order_ids,
            results.parse_cancel_batch,
            lambda i, err: CancelResult(order_id=i, accepted=False, error=err),
        )

    def balance(self) -> Balance:
        return self._read("balance", {}, results.parse_balance)

    # --- plumbing --------------------------------------------------------------------------

    def _read(self, action: str, fields: dict[str, str], parse: Callable[[Any], T]) -> T:
        """A read-only call: transient failures are retried with backoff and jitter."""
        attempt = 0
        while True:
            try:
                data = self._call(action, fields)
                try:
                    return parse(data)
                except results.ShapeError as exc:
                    raise PanelUnavailable(
                        f"{action}: unexpected answer from the panel ({exc})",
                        action=action,
                        cause=Cause.SHAPE,
                    ) from None
            except TransientError as exc:
                if attempt >= self.options.retries:
                    raise
                delay = self._retry_delay(attempt, exc.retry_after)
                logger.info("%s on %s failed (%s); retrying in %.1fs", action, self.url, exc, delay)
                self._sleep(delay)
                attempt += 1

    def _write(self, action: str, fields: dict[str, str]) -> Any:
        """A call with side effects: resent only if the connection never opened."""
        attempt = 0
        while True:
            try:
                return self._call(action, fields)
            except PanelUnreachable as exc:
                if attempt >= self.options.retries:
                    raise
                self._sleep(self._retry_delay(attempt, None))
                attempt += 1
                logger.info("%s on %s: %s; connecting again", action, self.url, exc)

    def _parse_write(self, action: str, parse: Callable[[], T]) -> T:
        try:
            return parse()
        except results.ShapeError as exc:
            raise OutcomeUnknown(
                f"{action}: unexpected answer ({exc})", action=action, cause=Cause.SHAPE
            ) from None

    def _write_batch(
        self,
        action: str,
        ids: Iterable[str],
        parse: Callable[[list[str], Any], dict[str, T]],
        failed: Callable[[str, ItemError], T],
    ) -> dict[str, T]:
        """Writes in chunks of 100. A chunk that fails is reported per id, never dropped, so
        the chunks before it stay recorded. A bad key stops everything."""
        found: dict[str, T] = {}
        for chunk in chunks(ids):
            try:
                data = self._write(action, {"orders": ",".join(chunk)})
                found.update(self._parse_write(action, partial(parse, chunk, data)))
            except BadApiKey:
                raise
            except PanelRejected as exc:
                found.update({i: failed(i, ItemError(exc.text, exc.reason)) for i in chunk})
            except PanelError as exc:
                reason = (
                    Reason.OUTCOME_UNKNOWN if isinstance(exc, OutcomeUnknown) else (Reason.NOT_SENT)
                )
                found.update({i: failed(i, ItemError(exc.message, reason)) for i in chunk})
        return found

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float:
        jitter = random.uniform(2 - BACKOFF_JITTER_MAX, BACKOFF_JITTER_MAX)
        delay = self.options.backoff * (2**attempt) * jitter
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.options.max_delay)

    def _call(self, action: str, fields: dict[str, str]) -> Any:
        """One HTTP request. Returns the decoded JSON, or raises the matching PanelError."""
        write = action in WRITE_ACTIONS
        try:
            check_url(self.url, self._policy)
        except RefusedAddress as exc:
            raise AddressRefused(str(exc), action=action) from None
        payload = {self.options.key_field: self._key.reveal(), "action": action, **fields}
        self._last_answer = ""
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
                body = read_body(response, self.options.max_response_bytes)
            except requests.RequestException as exc:
                refused = refused_reason(exc)
                if refused:
                    raise AddressRefused(refused, action=action) from None
                late = time.monotonic() >= deadline
                raise self._network_error(action, exc, write=write, late=late) from None
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
        self._last_answer = self._scrub(text[:ANSWER_KEPT])
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
            message = self._scrub(message)
            if reason_for(message) == Reason.BAD_KEY:
                raise BadApiKey(
                    f"{action}: the panel refused the API key ({message})",
                    action=action,
                    http_status=response.status_code,
                )
            raise PanelRejected(message, action=action, http_status=response.status_code)
        if 300 <= response.status_code < 400:
            location = self._scrub(response.headers.get("Location", ""))
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
                f"the answer is not JSON: {self._scrub(excerpt(text))}",
                write=write,
                status=response.status_code,
                cause=page_cause or Cause.NOT_JSON,
            )
        return data

    def _prepare(self, payload: dict[str, str]) -> requests.PreparedRequest:
        """The request, built before anything is sent (so a failure here sent nothing)."""
        opts = self.options
        headers = {"User-Agent": opts.user_agent, "Accept": "application/json, */*;q=0.5"}
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
                answer=self._last_answer,
            )
        return PanelUnavailable(f"{action}: {what}", action=action, http_status=status, cause=cause)

    def _scrub(self, text: str) -> str:
        key = self._key.reveal()
        return text.replace(key, "***") if key else text
