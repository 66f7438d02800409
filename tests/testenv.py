"""Loaded with `-p tests.testenv` before Django settings are read: test-only configuration.

Values already in the environment win, so CI and `make test` can point at PostgreSQL/Redis.

Two runs of the suite on one machine must not collide: each run takes a Redis database of its
own here (tests flush it, purge its queues and start workers on it), and its own PostgreSQL
test database (`django_db_modify_db_settings` in tests/conftest.py).
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from tests.fixed_env import TEST_ENV

REDIS_DATABASES = 16  # Redis's default `databases`
_held_locks: list[IO[str]] = []  # kept open for the life of the run: the lock dies with it

for _name, _value in TEST_ENV.items():
    os.environ.setdefault(_name, _value)
os.environ["DJANGO_READ_DOT_ENV"] = "0"  # a developer's .env must not leak into tests


def claim_redis_database(url: str) -> str:
    """REDIS_URL pointed at a Redis database no other run on this machine is using.

    The database asked for is tried first, then the others from 15 down to 1 (0, the usual
    one of a real deployment, only when asked for). A run holds an exclusive lock file per
    database while it lives; the operating system frees it when the run ends, however it ends.
    """
    parts = urlsplit(url)
    wanted = int(parts.path.strip("/") or 0)
    host = f"{parts.hostname or '127.0.0.1'}-{parts.port or 6379}"
    for number in [wanted, *(n for n in range(REDIS_DATABASES - 1, 0, -1) if n != wanted)]:
        lock = Path(tempfile.gettempdir()) / f"smm-dashboard-tests-redis-{host}-{number}.lock"
        handle = lock.open("w")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            continue
        _held_locks.append(handle)
        return urlunsplit(parts._replace(path=f"/{number}"))
    raise RuntimeError(f"every Redis database at {host} is taken by another test run")


if os.environ.get("REDIS_URL"):
    # Subprocesses (beat, workers) inherit the rewritten URL.
    os.environ["REDIS_URL"] = claim_redis_database(os.environ["REDIS_URL"])


def _lock_logging_while_pytest_attaches_its_handlers() -> None:
    """pytest starts each test phase by walking `logging`'s table of loggers without the module
    lock (`_pytest.logging.catching_logs.__enter__`). A Celery worker or simulator thread left
    running between phases (the worker fixtures) that creates a logger at that moment makes the
    walk fail with "dictionary changed size during iteration", failing a test that did nothing
    wrong. `logging.getLogger` adds loggers under that lock, so holding it closes the race."""
    from _pytest.logging import catching_logs

    attach = catching_logs.__enter__

    def attach_locked(self: catching_logs) -> object:  # type: ignore[type-arg]
        with logging._lock:  # type: ignore[attr-defined]
            return attach(self)

    catching_logs.__enter__ = attach_locked  # type: ignore[method-assign]


_lock_logging_while_pytest_attaches_its_handlers()
