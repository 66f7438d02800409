"""Browser tests drive the system Chromium through Playwright's sync API.

Without /usr/bin/chromium they skip with a reason on a laptop and fail loudly in CI (CI is set),
so a broken CI image can never turn the browser tests into silent skips.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make around
# it are still plain synchronous ones.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


# Per package: the browser goes when the last browser test has run, not at the end of the
# whole suite (an idle Chromium still takes a share of a core).
@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        reason = f"Chromium not found at {CHROMIUM}: install it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}. Browser tests must run in CI.", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with _real_clock():  # only the driver and the browser: the rest of the run stays ahead
        playwright = sync_playwright().start()
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()
        playwright.stop()


@contextmanager
def _real_clock() -> Iterator[None]:
    """Playwright's driver and Chromium start on the real clock, also under
    `make test-clock-ahead` (scripts/clock_ahead): Chromium's renderer hangs under libfaketime,
    and what must not depend on the date is our code, which stays a month ahead."""
    faked = {k: os.environ.pop(k) for k in list(os.environ) if k in _FAKED_CLOCK}
    try:
        yield
    finally:
        os.environ.update(faked)


_FAKED_CLOCK = {"LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC"}


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots go (gitignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
