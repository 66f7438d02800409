"""Status answers fetched ahead: while a status sync writes one group of answers, the panel is
already being asked about the next ids, so the panel's answer time and our own SQL overlap
instead of adding up (a 20,000-order sync waits on 200 answers; writing them costs about as
much again when done in turn). Measured in benchmarks/status_sync.py.

Only HTTP happens in the fetching thread (panels.api has no Django imports): every read and
write of the database stays in the caller's thread and transaction.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Iterator, Sequence

from panels.api.client import PanelClient
from panels.api.errors import ItemError
from panels.api.results import OrderStatus
from panels.api.wire import BATCH_SIZE

Answers = dict[str, OrderStatus | ItemError]
AHEAD = 20  # calls answered but not yet written, at most: bounds the memory held
PUT_WAIT = 0.2  # seconds between looks at whether the caller stopped listening


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


class StatusFetch:
    """(the chunk of ids, its answers) per call of at most BATCH_SIZE ids, in order:

        with StatusFetch(client, ids) as fetched:  # more than one call: asking starts here
            ...  # read the orders meanwhile
            for chunk, answers in fetched: ...

    One call is made in the caller's thread, when iterated. More are made in a thread of
    their own, one at a time (as the panel is asked today), from `with` on, up to AHEAD calls
    ahead of what the caller has taken. A call that fails (a PanelError) is raised once every
    chunk before it was yielded; nothing is asked after it. Leaving the `with` early stops the
    thread after its current call.
    """

    def __init__(self, client: PanelClient, ids: Sequence[str]) -> None:
        self.client = client
        self.chunks = [list(ids[n : n + BATCH_SIZE]) for n in range(0, len(ids), BATCH_SIZE)]
        # (chunk, answers) per call; a _Failed call ends it, so does None (all answered)
        self.ready: queue.Queue[tuple[list[str], Answers] | _Failed | None] = queue.Queue(
            maxsize=AHEAD
        )
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def __enter__(self) -> StatusFetch:
        if len(self.chunks) > 1:
            # The caller's context (log_context's panel id) goes along with the client's logs.
            context = contextvars.copy_context()
            self.thread = threading.Thread(
                target=context.run, args=(self._fetch_all,), name="status-fetch", daemon=True
            )
            self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join()

    def __iter__(self) -> Iterator[tuple[list[str], Answers]]:
        if self.thread is None:
            for chunk in self.chunks:  # one call at most
                yield chunk, self.client.statuses(chunk)
            return
        while (item := self.ready.get()) is not None:
            if isinstance(item, _Failed):
                raise item.error
            yield item

    def _hand_over(self, item: tuple[list[str], Answers] | _Failed | None) -> bool:
        while not self.stop.is_set():
            try:
                self.ready.put(item, timeout=PUT_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def _fetch_all(self) -> None:
        for chunk in self.chunks:
            try:
                answers = self.client.statuses(chunk)
            except BaseException as exc:  # a PanelError, or a bug: raised in the caller
                self._hand_over(_Failed(exc))
                return
            if not self._hand_over((chunk, answers)):
                return
        self._hand_over(None)
