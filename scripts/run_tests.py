"""`make test`: check the services the suite needs, lint, type-check, then run pytest.

PostgreSQL and Redis come from DATABASE_URL / REDIS_URL, or the usual local addresses. Where
one is unreachable on a developer's machine the suite says so and falls back (SQLite; the
tests that need Redis are skipped with that reason). In CI (CI=true) a missing service fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fixed_env import TEST_ENV

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
CHROMIUM = "/usr/bin/chromium"

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def say(message: str) -> None:
    print(f"make test: {message}", flush=True)


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2
        ):
            return True
    except OSError:
        return False


def choose_services(env: dict[str, str]) -> bool:
    """Fill DATABASE_URL / REDIS_URL in env. Returns False if CI lacks a service."""
    ok = True
    database_url = env.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if database_url.startswith("sqlite"):
        say(f"using {database_url} as asked")
    elif reachable(database_url, 5432):
        say(f"PostgreSQL: {urlsplit(database_url).hostname}:{urlsplit(database_url).port or 5432}")
    elif IN_CI:
        say(f"FAIL: PostgreSQL at {database_url} is unreachable, and CI needs it")
        ok = False
    else:
        say(f"PostgreSQL at {database_url} is unreachable: falling back to SQLite for this run")
        database_url = f"sqlite:///{ROOT / 'var' / 'test.sqlite3'}"
    env["DATABASE_URL"] = database_url

    redis_url = env.get("REDIS_URL") or DEFAULT_REDIS_URL
    if reachable(redis_url, 6379):
        say(f"Redis: {redis_url} (the run takes that database, or another free one)")
        env["REDIS_URL"] = redis_url
    elif IN_CI:
        say(f"FAIL: Redis at {redis_url} is unreachable, and CI needs it")
        ok = False
    else:
        say(f"Redis at {redis_url} is unreachable: the tests that need Redis will be SKIPPED")
        env["REDIS_URL"] = ""
        env["TESTS_WITHOUT_REDIS"] = "1"
    return ok


def ensure_chromium() -> None:
    """Browser tests drive the system Chromium; install it from Debian's packages if we can."""
    if Path(CHROMIUM).exists():
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Chromium for the browser tests (apt-get)")
        for argv in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            subprocess.run(argv, check=False, stdout=subprocess.DEVNULL)  # noqa: S603
    if not Path(CHROMIUM).exists():
        say(f"{CHROMIUM} is missing: browser tests will {'FAIL' if IN_CI else 'be skipped'}")


def run(step: str, argv: list[str], env: dict[str, str]) -> None:
    say(step)
    result = subprocess.run(argv, cwd=ROOT, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        say(f"{step} failed")
        sys.exit(result.returncode)


def lint(env: dict[str, str]) -> None:
    # mypy's Django plugin loads the settings, which need the test secrets.
    env = {**TEST_ENV, **env, "DJANGO_READ_DOT_ENV": "0"}
    run("ruff check", [str(BIN / "ruff"), "check", "."], env)
    run("ruff format --check", [str(BIN / "ruff"), "format", "--check", "."], env)
    run("mypy", [str(BIN / "mypy"), "."], env)
    # The layers and the stand-alone API client (pyproject's [tool.importlinter]).
    run("lint-imports", [str(BIN / "lint-imports"), "--no-cache"], env)


def main(args: list[str]) -> int:
    env = dict(os.environ)
    if args[:1] == ["--lint-only"]:
        lint(env)
        return 0
    if args[:1] == ["--setup-only"]:
        # What the suite installs for itself, done once before two runs share the machine
        # (.ci/run): two apt-gets at once would fight over dpkg's lock.
        ensure_chromium()
        return 0
    # The clock-ahead run skips the linters: the clock changes nothing they check, and two
    # mypy runs at once would share one cache.
    with_lint = args[:1] != ["--no-lint"]
    if not with_lint:
        args = args[1:]
    if not choose_services(env):
        return 2
    ensure_chromium()
    if with_lint:
        lint(env)
    run("pytest", [str(BIN / "pytest"), *args], env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
