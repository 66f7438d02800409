"""A private stack for benchmarks whose real workers share it: a work folder, a redis-server
of their own and a throwaway PostgreSQL database, with Django set up on them (the fault suite,
placement)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from benchmarks._fault_processes import ROOT, PrivateRedis

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"


def prepare_environment(redis: PrivateRedis, workdir: Path) -> None:
    """Before Django reads its settings: our Redis, PostgreSQL, and secrets if none are set."""
    os.environ["REDIS_URL"] = redis.url
    os.environ["VAR_DIR"] = str(workdir / "var")
    # The simulator is plain http on loopback; real deployments refuse both.
    os.environ["PANEL_ALLOW_HTTP"] = "true"
    os.environ["PANEL_ALLOW_PRIVATE_ADDRESSES"] = "true"
    dot_env = (ROOT / ".env").exists() and os.environ.get("DJANGO_READ_DOT_ENV", "1") != "0"
    if not dot_env:
        from cryptography.fernet import Fernet

        os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
        os.environ.setdefault("SECRET_KEY", "bench-" + Fernet.generate_key().decode())
        os.environ.setdefault("PANEL_KEY_ENCRYPTION_KEYS", Fernet.generate_key().decode())


@contextlib.contextmanager
def throwaway_database(name: str) -> Iterator[None]:
    from django.db import connection
    from django.test.utils import setup_test_environment

    if connection.vendor != "postgresql":
        raise SystemExit(
            "These benchmarks need PostgreSQL (a real worker shares the database): "
            "set DATABASE_URL=postgres://..."
        )
    setup_test_environment()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = f"test_{name}_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


@contextlib.contextmanager
def private_stack(name: str) -> Iterator[tuple[Path, PrivateRedis]]:
    """A work folder, a private redis-server and a throwaway test database named after `name`,
    with Django set up on them, for a benchmark whose real workers share them."""
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as tmp:
        workdir = Path(tmp)
        redis = PrivateRedis(workdir)
        prepare_environment(redis, workdir)
        redis.start()
        try:
            import django

            django.setup()
            with throwaway_database(name):
                yield workdir, redis
        finally:
            redis.stop()
