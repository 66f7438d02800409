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
from collections.abc import Generator, Sequence

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


def fetch_statuses(
    client: PanelClient, ids: Sequence[str]
) -> Generator[tuple[list[str], Answers], None, None]:
    """(the chunk of ids, its answers) per call of at most BATCH_SIZE ids, in order.

    The first call is made here; the rest in a thread of their own, one at a time (as the
    panel is asked today), up to AHEAD calls ahead of what the caller has taken. A call that
    fails (a PanelError) is raised once every chunk before it was yielded; nothing is asked
    after it. When the caller stops early, the thread stops after its current call.
    """
    chunks = [list(ids[start : start + BATCH_SIZE]) for start in range(0, len(ids), BATCH_SIZE)]
    if not chunks:
        return
    first = client.statuses(chunks[0])
    if len(chunks) == 1:
        yield chunks[0], first
        return
    # (chunk, answers) per call; a _Failed call ends it, so does None (every chunk answered)
    ready: queue.Queue[tuple[list[str], Answers] | _Failed | None] = queue.Queue(maxsize=AHEAD)
    stop = threading.Event()

    def hand_over(item: tuple[list[str], Answers] | _Failed | None) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=PUT_WAIT)
                return True
            except queue.Full:
                continue
        return False

    def fetch_rest() -> None:
        for chunk in chunks[1:]:
            try:
                answers = client.statuses(chunk)
            except BaseException as exc:  # a PanelError, or a bug: raised in the caller
                hand_over(_Failed(exc))
                return
            if not hand_over((chunk, answers)):
                return
        hand_over(None)

    # The caller's context (log_context's panel id) goes along with the client's log lines.
    context = contextvars.copy_context()
    thread = threading.Thread(
        target=context.run, args=(fetch_rest,), name="status-fetch", daemon=True
    )
    thread.start()
    try:
        yield chunks[0], first
        while (item := ready.get()) is not None:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        thread.join()
