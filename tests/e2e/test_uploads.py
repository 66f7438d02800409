"""Uploading orders in a real browser: a bad file is refused with its reason, a good one is
previewed (with a bad row explained), queued once, and its results download as CSV."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, expect

from orders.models import Order, Upload
from orders.services import placement
from panels.models import Panel, Service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_upload_preview_and_submit(browser: Browser, live_server, tmp_path: Path,
                                   artifacts: Path, monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr(placement, "_enqueue_dispatch", lambda panel_id: None)  # no worker
    User.objects.create_user("alice", password=PASSWORD)
    panel = Panel(name="Alpha SMM", api_url="https://panel.example/api/v2", currency="USD",
                  balance=Decimal("250"))  # fmt: skip
    panel.api_key = "k"
    panel.save()
    Service.objects.create(panel=panel, remote_id="101", name="Followers", rate=Decimal("1.20"),
                           min_quantity=100, max_quantity=10000)  # fmt: skip
    bad = tmp_path / "latin.csv"
    bad.write_bytes("panel,service,link,quantity\nCafé,1,x,1\n".encode("latin-1"))
    good = tmp_path / "orders.csv"
    good.write_text("panel,service,link,quantity\nAlpha SMM,101,https://x.com/a,1000\n"
                    "Alpha SMM,101,https://x.com/b,5\n")  # fmt: skip

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/orders/upload/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("heading", name="Upload orders")).to_be_visible()

        page.get_by_label("CSV file (UTF-8)").set_input_files(str(bad))
        page.get_by_role("button", name="Check the file").click()
        expect(page.locator("#upload-error")).to_contain_text("not UTF-8")

        page.get_by_label("CSV file (UTF-8)").set_input_files(str(good))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("1 of 2 rows can be queued")
        expect(page.locator("#upload-invalid")).to_contain_text("below the service's minimum")
        expect(page.locator("#upload-totals")).to_contain_text("Alpha SMM")
        page.screenshot(path=str(artifacts / "upload-preview.png"), full_page=True)

        with page.expect_download() as download:
            page.get_by_role("link", name="Download every row's result (CSV)").click()
        text = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "https://x.com/a" in text
        assert "below the service's minimum" in text

        page.get_by_role("button", name="Queue 1 order").click()
        expect(page.locator(".messages")).to_contain_text("Queued 1 order")
        progress = page.locator("#upload-progress")
        expect(progress).to_contain_text("0 of 1 handled")
        # A worker places it: the block follows on its own, then stops polling.
        Order.objects.filter(upload__isnull=False).update(state=Order.State.PLACED,
                                                          remote_id="501")  # fmt: skip
        expect(progress).to_contain_text("All 1 order handled", timeout=10_000)
        expect(progress).to_contain_text("1 placed")
        # Submitted: nothing is left to queue, so nothing offers to (a second POST adds
        # nothing either: tests/orders/test_upload_service.py).
        expect(page.get_by_role("button", name="Queue 1 order")).to_have_count(0)
        page.screenshot(path=str(artifacts / "upload-submitted.png"), full_page=True)
    finally:
        context.close()
    upload = Upload.objects.get()
    assert upload.state == Upload.State.SUBMITTED
    assert Order.objects.filter(upload=upload).count() == 1


def test_the_same_file_again_needs_a_yes(browser: Browser, live_server, tmp_path: Path,
                                         artifacts: Path, monkeypatch) -> None:  # fmt: skip
    monkeypatch.setattr(placement, "_enqueue_dispatch", lambda panel_id: None)  # no worker
    User.objects.create_user("alice", password=PASSWORD)
    panel = Panel(name="Alpha SMM", api_url="https://panel.example/api/v2", currency="USD",
                  balance=Decimal("250"))  # fmt: skip
    panel.api_key = "k"
    panel.save()
    Service.objects.create(panel=panel, remote_id="101", name="Followers", rate=Decimal("1.20"),
                           min_quantity=100, max_quantity=10000)  # fmt: skip
    first = tmp_path / "orders.csv"
    first.write_text("panel,service,link,quantity\nAlpha SMM,101,https://x.com/a,1000\n")
    second = tmp_path / "more.csv"  # the same link, written another way, and a new one
    second.write_text("panel,service,link,quantity\nAlpha SMM,101,https://www.x.com/a/,1000\n"
                      "Alpha SMM,101,https://x.com/b,1000\n")  # fmt: skip

    page = browser.new_page()
    try:
        page.goto(f"{live_server.url}/orders/upload/")
        page.get_by_label("Username").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        page.get_by_label("CSV file (UTF-8)").set_input_files(str(second))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("2 of 2 rows")
        second_preview = page.url

        page.goto(f"{live_server.url}/orders/upload/")
        page.get_by_label("CSV file (UTF-8)").set_input_files(str(first))
        page.get_by_role("button", name="Check the file").click()
        page.get_by_role("button", name="Queue 1 order").click()
        expect(page.locator(".messages")).to_contain_text("Queued 1 order")

        # The preview checked before the first upload was queued: the submit checks again.
        page.goto(second_preview)
        page.get_by_role("button", name="Queue 2 orders").click()
        expect(page.locator(".messages")).to_contain_text("Queued 1 order")
        expect(page.locator("#upload-refused")).to_contain_text(
            "Line 2: This link already has an active order"
        )
        page.screenshot(path=str(artifacts / "upload-refused-at-submit.png"), full_page=True)

        # The first file again, once its order is done: the page asks before buying twice.
        Order.objects.update(state=Order.State.PLACED, status="completed")
        page.goto(f"{live_server.url}/orders/upload/")
        page.get_by_label("CSV file (UTF-8)").set_input_files(str(first))
        page.get_by_role("button", name="Check the file").click()
        expect(page.locator("#upload-again")).to_contain_text("— queue them again?")
        page.get_by_role("button", name="Queue 1 order").click()  # the browser wants the tick
        expect(page.get_by_label("Yes, queue them again")).to_be_visible()
        assert Order.objects.count() == 2
        page.get_by_label("Yes, queue them again").check()
        page.screenshot(path=str(artifacts / "upload-again.png"), full_page=True)
        page.get_by_role("button", name="Queue 1 order").click()
        expect(page.locator(".messages")).to_contain_text("Queued 1 order")
    finally:
        page.close()
    assert Order.objects.filter(link__contains="x.com/a").count() == 2
    assert Order.objects.filter(link="https://www.x.com/a/").count() == 0
