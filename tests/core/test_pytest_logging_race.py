"""The test harness itself: pytest attaching its log handlers at the start of a test phase must
not fail while another thread (a Celery worker or simulator left running between phases by a
fixture) creates loggers. tests/testenv.py holds logging's lock around that walk."""

from __future__ import annotations

import itertools
import logging
import threading

from _pytest.logging import LogCaptureHandler, catching_logs

PREFIX = "tests.logging-race"


def test_attaching_pytests_handlers_survives_a_thread_creating_loggers() -> None:
    stop = threading.Event()

    def create_loggers() -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            logging.getLogger(f"{PREFIX}.{n}")

    thread = threading.Thread(target=create_loggers, daemon=True)
    thread.start()
    try:
        for _ in range(300):  # without the lock this fails within a few dozen rounds
            with catching_logs(LogCaptureHandler(), level=logging.INFO):
                pass
    finally:
        stop.set()
        thread.join()
        with logging._lock:  # type: ignore[attr-defined]
            for name in [n for n in logging.Logger.manager.loggerDict if n.startswith(PREFIX)]:
                del logging.Logger.manager.loggerDict[name]
