"""A tiny threaded HTTP server for tests: answers every request with a fixed body, all at once
or trickled a few bytes at a time (a panel that never quite stops answering).

    with AnswerServer(b'{"order": 1}', trickle=0.2) as server:
        PanelClient(server.url, "key", ClientOptions(timeout=1, **LOOPBACK)).add(...)
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType


class AnswerServer:
    def __init__(
        self,
        body: bytes = b"{}",
        *,
        trickle: float = 0.0,
        trickle_headers: bool = False,
        chunk: int = 1,
        status: int = 200,
    ):
        self.body = body
        self.trickle = trickle  # seconds between chunks of the body (0: all at once)
        self.trickle_headers = trickle_headers  # trickle the status line and headers too
        self.chunk = chunk
        self.status = status
        self.requests: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/v2"

    def __enter__(self) -> AnswerServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = self._read_request(conn)
                self.requests.append(request)
                head = (
                    f"HTTP/1.1 {self.status} OK\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(self.body)}\r\nConnection: close\r\n\r\n"
                ).encode()
                if self.trickle_headers:
                    self._trickle(conn, head + self.body)
                else:
                    conn.sendall(head)
                    self._trickle(conn, self.body)
            except OSError:
                return  # the client hung up: what a deadline does

    def _trickle(self, conn: socket.socket, data: bytes) -> None:
        if not self.trickle:
            conn.sendall(data)
            return
        for start in range(0, len(data), self.chunk):
            if self._stop.is_set():
                return
            conn.sendall(data[start : start + self.chunk])
            time.sleep(self.trickle)

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            part = conn.recv(65536)
            if not part:
                return data
            data += part
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            part = conn.recv(65536)
            if not part:
                break
            body += part
        return head + b"\r\n\r\n" + body
