"""The API v2 client: one class that speaks every action of the protocol (no Django imports).

    client = PanelClient("https://panel.example/api/v2", "secret-key")
    client.balance()                     -> Balance(amount=Decimal("100.84292"), currency="USD")
    client.add("1", {"link": ..., "quantity": 100}, order_type="default") -> OrderPlaced

Read-only actions (services, status, refill_status, balance) retry transient failures with
backoff and jitter. Writes (add, refill, cancel) are sent at most once once the request may
have reached the panel: then the client raises OutcomeUnknown and never resends. Only a
connection that never opened is tried again, because then nothing left this machine.

Every call has a total deadline of `ClientOptions.timeout` seconds, enforced at the socket
(panels.api.deadline.call_deadline): connecting, sending, the status line, the headers and the
body all end by it, however slowly the panel trickles its answer.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import requests

from panels.api import results
from panels.api.addresses import AddressPolicy
from panels.api.errors import (
    BadApiKey,
    Cause,
    ItemError,
    OutcomeUnknown,
    PanelError,
    PanelRejected,
    PanelUnavailable,
    PanelUnreachable,
    Reason,
    RequestNotSent,
    TransientError,
)
from panels.api.exchange import Exchange
from panels.api.jsonarray import NotJson, SpooledArray
from panels.api.options import BACKOFF_JITTER_MAX, ClientOptions
from panels.api.order_types import FieldValue, add_fields
from panels.api.results import (
    Balance,
    CancelResult,
    Catalog,
    OrderPlaced,
    OrderStatus,
    RefillCreated,
    RefillState,
)
from panels.api.results.base import items
from panels.api.transport import panel_session
from panels.api.wire import (
    Secret,
    chunks,
    excerpt,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")


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
        self.options = options or ClientOptions()
        self._policy = AddressPolicy(self.options.allow_http, self.options.allow_private)
        self._exchange = Exchange(
            url, Secret(api_key), self.options, self._policy, session or panel_session(self._policy)
        )
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"PanelClient(url={self.url!r}, key='***')"

    # --- actions ---------------------------------------------------------------------------

    def services(self) -> Catalog:
        return self._read("services", {}, results.parse_catalog)

    @contextmanager
    def services_stream(self) -> Iterator[Iterator[results.Service | results.SkippedService]]:
        """The catalog's entries one at a time, as `services()` reads them, without the whole
        answer in memory: an array answer is spooled (to a temporary file past 1 MB) and read
        element by element (panels.api.jsonarray). Fetched, retried and judged as `services()`
        is before the block starts; an array that breaks off part way raises PanelUnavailable
        from the iteration, as that answer raises from `services()`, but only once the entries
        before the break were read. Any other answer (an object keyed by id) is read whole."""

        def shaped(data: Any) -> Any:
            return data if isinstance(data, SpooledArray) else items(data, "services")

        answer = self._read("services", {}, shaped, stream_arrays=True)
        if not isinstance(answer, SpooledArray):
            yield results.catalog_entries(answer)
            return
        try:
            yield results.catalog_entries(self._array_items(answer))
        finally:
            answer.close()

    def _array_items(self, answer: SpooledArray) -> Iterator[Any]:
        try:
            yield from answer.items()
        except NotJson:
            raise PanelUnavailable(
                f"services: the answer is not JSON: {excerpt(answer.head)}",
                action="services",
                cause=Cause.NOT_JSON,
                answer=answer.head,
            ) from None

    def add(
        self,
        service_id: str | int,
        fields: Mapping[str, FieldValue | None],
        *,
        order_type: str | None = None,
    ) -> OrderPlaced:
        """Place one order. With `order_type`, the type's required fields are checked first."""
        try:
            body = add_fields(order_type, fields)
        except ValueError as exc:  # a required field missing: checked before sending
            raise RequestNotSent(f"add: {exc}; nothing was sent", action="add") from None
        body["service"] = str(service_id)
        data = self._write("add", body)
        answer = self._exchange.last_answer
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

    def _read(
        self,
        action: str,
        fields: dict[str, str],
        parse: Callable[[Any], T],
        *,
        stream_arrays: bool = False,
    ) -> T:
        """A read-only call: transient failures are retried with backoff and jitter."""
        attempt = 0
        while True:
            try:
                data = self._call(action, fields, stream_arrays=stream_arrays)
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

    def _call(self, action: str, fields: dict[str, str], *, stream_arrays: bool = False) -> Any:
        """One HTTP request (panels.api.exchange): the decoded JSON, or the matching PanelError."""
        return self._exchange.call(action, fields, stream_arrays=stream_arrays)
