"""Recording outcomes while the next order is sent.

A panel takes PANEL_MAX_CONCURRENCY orders at a time, so each sending slot is the scarce
thing: whatever the dashboard does between two sends of a slot lowers what the panel could
take. The claim must stay there (it is committed before the send, so no order is sent twice);
writing down the previous order's outcome need not. `OutcomeRecorder` writes it in a thread
of its own, over a database connection of its own, while the dispatcher sends the next order
(claimed before the outcome is handed over). One outcome at most waits to be written: the
next waits for it, so a slow database slows sending down instead of piling outcomes up in
memory.

If the worker dies with an outcome not yet written, its order is still SUBMITTING, as when a
worker dies during a send: the reaper makes it UNKNOWN for a person to check, never resent.

It records in line instead (this thread, this connection) inside a transaction, whose rows a
second connection could not see, and elsewhere than PostgreSQL.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType

from django.core.cache import caches
from django.db import connection, connections

from orders.services.placement import Outcome


def _close_thread_connections() -> None:
    connections.close_all()
    caches.close_all()


class OutcomeRecorder:
    def __init__(self) -> None:
        in_line = connection.vendor != "postgresql" or connection.in_atomic_block
        self._thread = (
            None if in_line else ThreadPoolExecutor(max_workers=1, thread_name_prefix="outcomes")
        )
        self._pending: Future[object] | None = None

    def record(self, outcome: Outcome) -> None:
        """Write `outcome` down: at once in line, else once the one before it is written."""
        if self._thread is None:
            outcome.record()
            return
        self.wait()
        self._pending = self._thread.submit(outcome.record)

    def wait(self) -> None:
        """Until every outcome handed over is written."""
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # Outcome.record never raises; if it did, it raises here

    def close(self) -> None:
        try:
            self.wait()
        finally:
            if self._thread is not None:
                self._thread.submit(_close_thread_connections).result()
                self._thread.shutdown()

    def __enter__(self) -> OutcomeRecorder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
