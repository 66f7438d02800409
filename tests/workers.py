"""A real Celery worker for the tests that claim one, and waiting on what it does."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from celery.contrib.testing.worker import start_worker

from dashboard.celery import app as celery_app


@contextmanager
def solo_worker() -> Iterator[None]:
    """One worker thread in this process, on the configured broker, with the queue emptied
    of what earlier tests left."""
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, loglevel="WARNING"):
        yield


def wait_for(
    condition: Callable[[], bool],
    *,
    timeout: float = 60.0,
    every: float = 0.2,
    poke: Callable[[], object] | None = None,
) -> None:
    """Until `condition()` holds (calling `poke` between looks), or fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the worker"
        if poke is not None:
            poke()
        time.sleep(every)
