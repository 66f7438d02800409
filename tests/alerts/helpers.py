"""Real local receivers for the alert tests: an HTTP server standing in for Telegram's Bot API
and webhooks, and an SMTP server (aiosmtpd). Each records exactly what it received."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    path: str
    body: dict[str, Any]


class HttpReceiver:
    """Answers 200 (`{"ok": true}`), or 500 while `failing`; `stop()` closes the port."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.failing = False
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"raw": raw.decode(errors="replace")}
                receiver.received.append(Received(self.path, body))
                status = 500 if receiver.failing else 200
                # A failing service names the address it was called at, as some do: with a
                # bot token in the path, the error text carries the token.
                error = {"ok": False, "description": f"Internal Server Error at {self.path}"}
                answer = json.dumps(error).encode()
                if status == 200:
                    answer = b'{"ok": true, "result": {"message_id": 1}}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class MailHandler:
    messages: list[Message] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content))
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"


class SmtpReceiver:
    def __init__(self) -> None:
        self.handler = MailHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def messages(self) -> list[Message]:
        return self.handler.messages

    def stop(self) -> None:
        self.controller.stop()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def closed_port_url() -> str:
    """An http address on this machine where nothing listens: connections are refused."""
    return f"http://127.0.0.1:{free_port()}"


def text_of(message: Message) -> str:
    """The plain-text body of a received email."""
    if message.is_multipart():
        for part in message.walk():
            if part.get_content_type() == "text/plain":
                return str(part.get_payload(decode=True).decode())  # type: ignore[union-attr]
    return str(message.get_payload(decode=True).decode())  # type: ignore[union-attr]
