"""What the browser tests share: logging in as the test user, and screenshots of a page on a
desktop and a phone (where it must not scroll sideways), to look at."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect

PASSWORD = "correct horse battery staple"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def log_in(page: Page, base_url: str, path: str, username: str = "alice") -> None:
    """Open `path`, log in on the form it redirects to, and land back on `path`."""
    page.goto(f"{base_url}{path}")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}{path}")


def shots(page: Page, artifacts: Path, name: str) -> None:
    """`name`-desktop.png and `name`-phone.png of the whole page; back to the desktop size."""
    page.screenshot(path=artifacts / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{name} scrolls sideways on a phone"
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
