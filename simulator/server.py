"""HTTP: routing, request parsing and fault injection (the server itself: http_server.py)."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from . import control, hostile, requests_log
from .catalogs import CATALOG_NAMES
from .core import Simulator
from .dialects import DIALECTS, Dialect
from .faults import (
    BEFORE_ACTION,
    DECIMAL_COMMA,
    DROP_AFTER_ACCEPT,
    TRICKLE,
    TRUNCATED,
    FaultAnswer,
    FaultRule,
)
from .http_server import SimulatorServer
from .trickle import trickle

API_PATH = "/api/v2"
CONTROL_PREFIX = "/_sim/"
# Batch fields are comma lists; every other list field (comments, usernames...) is one per line.
COMMA_FIELDS = frozenset({"orders", "refills"})
NOT_FOUND = FaultAnswer(404, b"<html><body><h1>404 Not Found</h1></body></html>")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Panels usually sit behind nginx; say so rather than advertise Python.
    server_version = "nginx"
    # Idle keep-alive connections must not pin a thread forever.
    timeout = 60
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client waits
    # for a delayed ACK (~40 ms) on every answer.
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    @property
    def sim(self) -> Simulator:
        return cast(SimulatorServer, self.server).simulator

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def log_message(self, format: str, *args: Any) -> None:
        if cast(SimulatorServer, self.server).log_requests:
            super().log_message(format, *args)

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        body = self._read_body()
        if url.path.startswith(CONTROL_PREFIX):
            route = url.path[len(CONTROL_PREFIX) :].strip("/")
            if route == control.OUTAGE and method == "POST":
                self._outage(url.query, body)
                return
            status, payload = control.handle(self.sim, method, route, url.query, body)
            self._send(status, json.dumps(payload).encode(), "application/json")
            return
        panel = panel_for(url.path.rstrip("/"))
        if panel is None:
            self._send_fault(NOT_FOUND)
            return
        dialect_name, catalog = panel
        dialect = self.sim.dialect(dialect_name)
        self._api(dialect, catalog, url.query, body)

    def _api(self, dialect: Dialect, catalog: str | None, query: str, body: bytes) -> None:
        arrived, started = time.time(), time.monotonic()
        params, from_json = parse_params(
            query, body, self.headers.get_content_type(), json_only=dialect.json_only
        )
        action = params.get("action", "").strip()
        # Counted before any fault, so a test can tell whether a request reached the panel.
        self.sim.stats.count(dialect.name, action)
        rule = self.sim.faults.take(dialect.name, action)
        fault = rule.fault if rule else None
        delay = rule.delay_seconds if rule else 0.0
        payload: Any = None
        outcome = requests_log.CUT
        detail: str | None = None
        key = params.get("key", "")
        answered = False

        def answering() -> None:
            # Before the answer is written: once its client has it, the client may send the
            # next request, which must not find this one still counted in flight.
            nonlocal answered
            self.sim.requests.answering(key=key, action=action)
            answered = True

        def log() -> None:
            self.sim.requests.record(
                at=arrived,
                seconds=time.monotonic() - started,
                dialect=dialect.name,
                catalog=catalog,
                params=params,
                outcome=outcome,
                fault=fault,
                latency_ms=round(delay * 1000),
                payload=payload,
                detail=detail,
                answered=answered,
            )

        self.sim.requests.begin(key=key, action=action)
        try:
            if fault in BEFORE_ACTION or (fault == DROP_AFTER_ACCEPT and action != "add"):
                time.sleep(delay)
                answering()
                if fault == DROP_AFTER_ACCEPT:
                    outcome = requests_log.DROPPED
                    self._drop()
                else:
                    self._send_fault(BEFORE_ACTION[str(fault)])
                    outcome = requests_log.FAULT_PAGE
                return
            # The panel acts (an `add` places its order) before any fault touches the answer.
            payload = self.sim.answer(
                dialect, params, from_json=from_json, catalog=catalog, rule=rule
            )
            answer = dialect.encode(payload)
            if rule is not None and fault is not None:
                seq_of = self._seq_of(dialect, catalog)
                spoiled = hostile.spoil(rule, action, params, payload, seq_of)
                answer = hostile.encode(dialect, spoiled.payload)
                detail = spoiled.detail
            # A panel answering in L answers L after the request arrived, its own work included.
            time.sleep(max(0.0, delay - (time.monotonic() - started)))
            answering()
            if fault == DROP_AFTER_ACCEPT:
                outcome = requests_log.DROPPED
                self._drop()
                return
            if fault == TRUNCATED:
                self._send(200, answer[: len(answer) // 2], dialect.content_type)
                outcome = requests_log.TRUNCATED
                return
            if rule is not None and fault == TRICKLE:
                outcome, detail = self._send_trickled(answer, dialect.content_type, rule)
                return
            self._send(200, answer, dialect.content_type)
            hostile_values = detail is not None and fault != DECIMAL_COMMA
            outcome = requests_log.HOSTILE if hostile_values else requests_log.ANSWERED
        finally:
            log()

    def _seq_of(self, dialect: Dialect, catalog: str | None) -> hostile.SeqOf:
        """Order id -> its sequence number in the ledger of the panel this request is for."""
        store = self.sim.store(dialect.name, catalog)

        def seq_of(order_id: str) -> int | None:
            with store.lock:
                order = store.orders.get(order_id)
            return order.seq if order is not None else None

        return seq_of

    def _send_trickled(self, body: bytes, content_type: str, rule: FaultRule) -> tuple[str, str]:
        """The answer a byte (`trickle_chunk`) every `trickle_interval` seconds: the body, or
        the whole response with `trickle_headers`. The outcome and detail for the log."""
        server = cast(SimulatorServer, self.server)
        head = (
            f"{self.protocol_version} 200 OK\r\n"
            f"Server: {self.version_string()}\r\nDate: {self.date_time_string()}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode("latin-1")
        self.log_request(200, len(body))
        if rule.trickle_headers:
            head, body = b"", head + body
        done = trickle(
            self.request,
            self.wfile.write,
            head,
            body,
            interval=rule.trickle_interval,
            chunk=rule.trickle_chunk,
        )
        pace = f"{done.sent} of {done.total} bytes, {rule.trickle_interval:g} s apart"
        if not done.cut:
            return requests_log.TRICKLED, f"trickled {pace}"
        self.close_connection = True
        if server.stopping or not server.is_up:
            return requests_log.CUT, f"trickled {pace}; cut by the simulator going down"
        return requests_log.CUT, f"trickled {pace}; the client hung up"

    def _outage(self, query: str, body: bytes) -> None:
        """`POST /_sim/outage {"seconds": N}`: down for N seconds from now. The answer goes out
        on this connection, which the outage spares; once it is sent this API is out of reach
        too, like the rest of the panel."""
        status, payload = control.handle(self.sim, "POST", control.OUTAGE, query, body)
        if status == 200:
            self.close_connection = True
            server = cast(SimulatorServer, self.server)
            server.outage(float(payload["seconds"]), spare=self.request)
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        # No status line, no headers: to the client the panel just hung up.
        self.close_connection = True

    def _send_fault(self, fault: FaultAnswer) -> None:
        self.send_response(fault.status)
        for name, value in fault.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(fault.body)))
        self.end_headers()
        self.wfile.write(fault.body)
        self.wfile.flush()

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self._send_fault(FaultAnswer(status, body, (("Content-Type", content_type),)))


def panel_for(path: str) -> tuple[str | None, str | None] | None:
    """(dialect, catalog) named by an API path, None for either meaning the server default.

    `/api/v2`, `/<dialect>/api/v2`, `/<catalog>/api/v2` and `/<dialect>/<catalog>/api/v2`
    (either order); None if `path` is not an API path.
    """
    if not path.endswith(API_PATH):
        return None
    dialect: str | None = None
    catalog: str | None = None
    prefix = path[: -len(API_PATH)]
    for name in prefix.split("/")[1:] if prefix else ():
        if name in DIALECTS and dialect is None:
            dialect = name
        elif name in CATALOG_NAMES and catalog is None:
            catalog = name
        else:
            return None
    return dialect, catalog


def parse_params(
    query: str, body: bytes, content_type: str, *, json_only: bool
) -> tuple[dict[str, str], bool]:
    """The request's fields as strings, and whether they came from a JSON body.

    Query string first, then the body (form or JSON) on top, like PHP's $_REQUEST.
    """
    is_json = content_type == "application/json" or body.lstrip()[:1] == b"{"
    from_body: dict[str, str] = {}
    if is_json:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            from_body = {str(k): _text(str(k), v) for k, v in data.items() if v is not None}
        else:
            is_json = False
    elif body:
        from_body = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if json_only:
        return (from_body if is_json else {}), is_json
    params = dict(parse_qsl(query, keep_blank_values=True))
    params.update(from_body)
    return params, is_json


def _text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        separator = "," if name in COMMA_FIELDS else "\n"
        return separator.join(_text(name, item) for item in value)
    return value if isinstance(value, str) else json.dumps(value)
