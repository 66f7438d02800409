"""The simulator's HTTP server: serves on a thread, goes down for an outage and comes back on
its port, and stops without hanging however early it is asked (server.py is what it serves)."""

from __future__ import annotations

import contextlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .core import Simulator


class SimulatorServer(ThreadingHTTPServer):
    """The HTTP server, able to go down for a while (an outage) and come back on its port.

    Down means what a client meets when a panel's server is off: new connections are refused
    and open ones are cut. `serve` (not `serve_forever`) is the loop that survives outages.
    """

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        simulator: Simulator,
        handler: type[BaseHTTPRequestHandler],
        *,
        log_requests: bool = False,
    ) -> None:
        self.simulator = simulator
        self.log_requests = log_requests
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._up = threading.Event()
        self._up.set()
        self._stopping = threading.Event()
        self._outage_lock = threading.Lock()
        # Whether serve() is in (or entering) serve_forever: BaseServer.shutdown waits for the
        # loop to end, forever if it never started (a simulator stopped right after starting).
        self._loop_lock = threading.Lock()
        self._looping = False
        super().__init__(address, handler)

    @property
    def is_up(self) -> bool:
        return self._up.is_set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def serve(self, poll_interval: float = 0.5) -> None:
        """Serve until `stop_serving`, waiting out outages."""
        while True:
            self._up.wait()
            with self._loop_lock:
                if self._stopping.is_set():
                    return
                if not self._up.is_set():  # down again meanwhile
                    continue
                self._looping = True
                # serve_forever clears this itself once it runs; clearing it here closes the
                # gap in which shutdown() would read the last loop's end as this one's and
                # return before this loop ran (go_down would then close the socket under it).
                getattr(self, "_BaseServer__is_shut_down").clear()  # noqa: B009
            try:
                self.serve_forever(poll_interval=poll_interval)
            finally:
                with self._loop_lock:
                    self._looping = False

    def _end_loop(self) -> None:
        """Make serve_forever return if it runs or is about to; callers first set what keeps
        serve() from entering it again (`_stopping`, or `_up` cleared)."""
        with self._loop_lock:
            looping = self._looping
        if looping:
            self.shutdown()  # returns once that loop has ended (or at once: it will end at start)

    def stop_serving(self) -> None:
        self._stopping.set()
        self._up.set()  # an outage in progress ends with the server
        self._end_loop()

    def go_down(self, *, spare: socket.socket | None = None) -> None:
        """Refuse new connections and cut the open ones (but `spare`) until `come_back`."""
        with self._outage_lock:
            if not self._up.is_set() or self._stopping.is_set():
                return
            self._up.clear()
            self._end_loop()  # serve() now waits for `come_back`
            self.socket.close()
            self.close_connections(spare=spare)

    def come_back(self) -> None:
        """Listen again on the same address after `go_down`."""
        with self._outage_lock:
            if self._up.is_set() or self._stopping.is_set():
                return
            self.socket = socket.socket(self.address_family, self.socket_type)
            try:
                self.server_bind()  # SO_REUSEADDR: the port is ours again at once
                self.server_activate()
            except OSError:
                self.socket.close()
                raise
            self._up.set()

    def outage(self, seconds: float, *, spare: socket.socket | None = None) -> None:
        """Go down now and come back after `seconds`, without blocking the caller."""
        if seconds <= 0:
            raise ValueError("an outage lasts a positive number of seconds")
        self.go_down(spare=spare)

        def back_later() -> None:
            if not self._stopping.wait(seconds):
                self.come_back()

        threading.Thread(target=back_later, name="panel-simulator-outage", daemon=True).start()

    # Keep-alive connections outlive serve_forever(); tracking them lets stop() cut them, so a
    # client never keeps talking to a stopped simulator.
    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self, *, spare: socket.socket | None = None) -> None:
        with self._connections_lock:
            connections = [c for c in self._connections if c is not spare]
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (timeouts in tests) is not the simulator's problem.
        if self.log_requests:
            super().handle_error(request, client_address)
