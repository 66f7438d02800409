"""Login rate limiting: failures counted in the real cache (Redis when REDIS_URL is set), a
lockout that refuses without checking the password, a clear message, and a reset on success."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache, caches
from django.test import Client
from django.utils import timezone

from dashboard import login_throttle

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
GOOD = "pw-correct-horse-battery"  # the `user` fixture's password


@pytest.fixture(autouse=True)
def limits(settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_MAX_FAILURES_PER_IP = 20
    settings.LOGIN_FAILURE_WINDOW = 15 * 60
    settings.BEHIND_TLS_PROXY = False


WRONG = "wrong"


def attempt(client: Client, username: str = "alice", password: str = WRONG, **extra: str) -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, times: int, username: str = "alice", **extra: str) -> None:
    for _ in range(times):
        assert attempt(client, username, **extra).status_code == 200


def test_the_cache_is_the_configured_one() -> None:
    backend = settings.CACHES["default"]["BACKEND"]
    used = caches["default"]
    assert f"{type(used).__module__}.{type(used).__name__}" == backend
    if settings.REDIS_URL:
        assert backend.endswith("RedisCache")


def test_it_locks_a_username_after_five_failures(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 4)

    fifth = attempt(client)
    sixth = attempt(client, password=GOOD)  # the right password, too late

    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert not logged_in(client)
    assert int(sixth["Retry-After"]) > 14 * 60


def test_the_lockout_message_says_when_to_try_again(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 5 - 1)
    attempt(client)

    response = attempt(client, password=GOOD)
    page = " ".join(response.content.decode().split())

    until = timezone.localtime(timezone.now() + timedelta(minutes=15))
    assert "Too many failed log-ins for this username" in page
    assert f"paused until {until:%H:%M}" in page or (
        f"paused until {until - timedelta(minutes=1):%H:%M}" in page
    )
    assert "about 15 minutes from now" in page
    assert "Please enter a correct username" not in page
    assert 'value="alice"' in page  # the username stays filled in


def test_a_locked_attempt_does_not_check_the_password(
    client: Client, user: AbstractBaseUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail(client, 4)
    attempt(client)
    checked: list[str] = []
    monkeypatch.setattr("django.contrib.auth.authenticate", lambda *a, **k: checked.append("x"))
    monkeypatch.setattr(
        "django.contrib.auth.forms.authenticate", lambda *a, **k: checked.append("x")
    )

    assert attempt(client, password=GOOD).status_code == 429
    assert checked == []


def test_locked_attempts_do_not_stretch_the_lockout(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 4)
    first = attempt(client)
    for _ in range(10):
        attempt(client)

    again = attempt(client)

    assert int(again["Retry-After"]) <= int(first["Retry-After"])


def test_the_lock_is_lifted_when_the_window_passes(
    client: Client, user: AbstractBaseUser, settings: Any
) -> None:
    settings.LOGIN_FAILURE_WINDOW = 2
    fail(client, 4)
    assert attempt(client).status_code == 429

    time.sleep(2.5)

    assert attempt(client, password=GOOD).status_code == 302
    assert logged_in(client)


def test_a_success_clears_the_username_count(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 4)
    assert attempt(client, password=GOOD).status_code == 302
    client.logout()

    fail(client, 4)  # four more would have locked it without the reset

    assert attempt(client, password=GOOD).status_code == 302


def test_other_usernames_are_not_locked(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 4, username="bob")
    attempt(client, "bob")

    assert attempt(client, "bob").status_code == 429
    assert attempt(client, password=GOOD).status_code == 302


def test_the_username_count_ignores_case(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 2, username="Alice")
    fail(client, 2, username="ALICE ")

    assert attempt(client).status_code == 429


def test_an_address_is_locked_after_twenty_failures(client: Client, user: AbstractBaseUser) -> None:
    for n in range(19):
        assert attempt(client, f"guess{n}").status_code == 200
    assert attempt(client, "guess19").status_code == 429

    response = attempt(client, password=GOOD)  # a real user from the same address

    assert response.status_code == 429
    assert "from your network" in response.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert attempt(other, password=GOOD).status_code == 302


def test_a_success_does_not_clear_the_address_count(client: Client, user: AbstractBaseUser) -> None:
    for n in range(19):
        attempt(client, f"guess{n}")
    assert attempt(client, password=GOOD).status_code == 302
    client.logout()

    assert attempt(client, "guess-last").status_code == 429


def test_empty_fields_are_not_counted(client: Client, user: AbstractBaseUser) -> None:
    for _ in range(10):
        client.post(LOGIN, {"username": "alice", "password": ""})

    assert attempt(client, password=GOOD).status_code == 302


def test_forwarded_for_is_ignored_without_the_proxy_setting(
    client: Client, user: AbstractBaseUser
) -> None:
    for n in range(20):
        attempt(client, f"guess{n}", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    # every guess came from REMOTE_ADDR, whatever the header claimed
    assert attempt(client, password=GOOD, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429


def test_behind_the_proxy_the_address_comes_from_forwarded_for(
    client: Client, user: AbstractBaseUser, settings: Any
) -> None:
    settings.BEHIND_TLS_PROXY = True
    for n in range(20):
        attempt(client, f"guess{n}", HTTP_X_FORWARDED_FOR="203.0.113.7")

    assert attempt(client, password=GOOD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # someone else behind the same proxy (same REMOTE_ADDR) is not locked out
    response = attempt(client, password=GOOD, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert response.status_code == 302


def test_behind_the_proxy_a_client_cannot_pick_its_own_address(
    client: Client, user: AbstractBaseUser, settings: Any
) -> None:
    """The proxy appends the address it saw; hops before it are whatever the client sent."""
    settings.BEHIND_TLS_PROXY = True
    for n in range(20):
        attempt(client, f"guess{n}", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 203.0.113.7")

    assert attempt(client, password=GOOD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429


@pytest.mark.parametrize(
    ("behind", "meta", "expected"),
    [
        (False, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "192.0.2.1"),
        (True, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}, "203.0.113.7"),
        (True, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.7"},
         "203.0.113.7"),
        (True, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "not-an-ip"}, "192.0.2.1"),
        (True, {"REMOTE_ADDR": "192.0.2.1"}, "192.0.2.1"),
        (True, {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": " 2001:db8::1 "},
         "2001:db8::1"),
    ],
)  # fmt: skip
def test_client_address(
    rf: Any, settings: Any, behind: bool, meta: dict[str, str], expected: str
) -> None:
    settings.BEHIND_TLS_PROXY = behind
    request = rf.get("/", **meta)
    request.META.update(meta)

    assert login_throttle.client_address(request) == expected


def test_a_lockout_is_logged_without_the_password(
    client: Client, user: AbstractBaseUser, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="dashboard.login_throttle"):
        fail(client, 4)
        attempt(client, password="s3cret-guess")
        attempt(client, password="s3cret-guess-2")

    warnings = [r for r in caplog.records if r.name == "dashboard.login_throttle"]
    assert len(warnings) == 1
    text = warnings[0].getMessage()
    assert "'alice'" in text
    assert "127.0.0.1" in text
    assert "s3cret" not in caplog.text


def test_the_counts_live_in_the_cache(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 3)

    assert login_throttle.lockout(username="alice", address="127.0.0.1") is None
    cache.clear()  # a cache flush forgets failures, it never locks anyone out
    fail(client, 4)
    assert attempt(client).status_code == 429


@pytest.mark.redis
def test_in_redis_the_counts_expire_with_the_window(client: Client, user: AbstractBaseUser) -> None:
    fail(client, 2)

    redis = caches["default"]._cache.get_client()  # type: ignore[attr-defined]
    keys = list(redis.keys("*login-failures*"))
    assert keys, "the failures are counted in Redis"
    for key in keys:
        assert 0 < redis.ttl(key) <= 15 * 60, key
