"""Shared fixtures. Test settings come from tests/testenv.py (loaded before Django)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.test import Client
from hypothesis import settings as hypothesis_settings

from tests.alerts.helpers import HttpReceiver

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

# Property tests draw the same examples on every run and every machine (a fixed seed per test,
# no example database carried between runs): a failure is reproduced by running it again.
hypothesis_settings.register_profile("suite", derandomize=True, database=None)
hypothesis_settings.load_profile("suite")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked `redis` need a real Redis: a failure in CI, a clear skip elsewhere."""
    if item.get_closest_marker("redis") and not settings.REDIS_URL:
        if IN_CI:
            pytest.fail("this test needs Redis and REDIS_URL is not set; CI must provide it")
        pytest.skip("needs Redis: set REDIS_URL (make test does when Redis is reachable)")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """The cache (Redis, or files on a laptop) outlives a run: start every test without the
    last run's login failures, sending slots or progress."""
    cache.clear()


@pytest.fixture
def user(db: None) -> AbstractBaseUser:
    """An ordinary signed-up reseller (not staff)."""
    return get_user_model().objects.create_user("alice", password="pw-correct-horse-battery")


@pytest.fixture
def logged_in(client: Client, user: AbstractBaseUser) -> Client:
    client.force_login(user)
    return client


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A PostgreSQL test database per run (`test_postgres_<pid>`), so two runs on one machine
    never create, flush or drop each other's. pytest-django drops it at the end of the run."""
    for db in settings.DATABASES.values():
        if db["ENGINE"] == "django.db.backends.sqlite3":
            continue  # SQLite tests run in memory: nothing shared
        test = db.setdefault("TEST", {})
        test["NAME"] = f"{test.get('NAME') or 'test_' + db['NAME']}_{os.getpid()}"


@pytest.fixture
def http_receiver() -> Iterator[HttpReceiver]:
    """A local HTTP server standing in for Telegram's Bot API and webhooks (alert tests)."""
    receiver = HttpReceiver()
    yield receiver
    receiver.stop()
