"""Uploading orders in a real browser: a bad file is refused with its reason, a good one is
previewed (with a bad row explained), queued once, and its results download as CSV."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Browser, Page, expect

from orders.models import Order, Upload
from orders.services import create
from panels.models import Panel, Service

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def alpha_catalog() -> Panel:
    """alice, and a panel with one Default service (101, from 100 to 10,000)."""
    User.objects.create_user("alice", password=PASSWORD)
    panel = Panel(
        name="Alpha SMM",
        api_url="https://panel.example/api/v2",
        currency="USD",
        balance=Decimal("250"),
    )
    panel.api_key = "k"
    panel.save()
    Service.objects.create(
        panel=panel,
        remote_id="101",
        name="Followers",
        rate=Decimal("1.20"),
        min_quantity=100,
        max_quantity=10000,
    )
    return panel


def log_in(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_upload_preview_and_submit(
    browser: Browser, live_server, tmp_path: Path, artifacts: Path, monkeypatch
) -> None:
    monkeypatch.setattr(create, "_enqueue_dispatch", lambda panel_id: None)  # no worker
    alpha_catalog()
    bad = tmp_path / "latin.csv"
    bad.write_bytes("panel,service,link,quantity\nCafé,1,x,1\n".encode("latin-1"))
    good = tmp_path / "orders.csv"
    good.write_text(
        "panel,service,link,quantity\nAlpha SMM,101,https://x.com/a,1000\n"
        "Alpha SMM,101,https://x.com/b,5\n"
    )

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, f"{live_server.url}/orders/upload/")
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
        Order.objects.filter(upload__isnull=False).update(state=Order.State.PLACED, remote_id="501")
        expect(progress).to_contain_text("All 1 order handled", timeout=10_000)
        expect(progress).to_contain_text("1 placed")
        expect(page.locator("#upload-valid .badge")).to_have_text("Placed")  # follows too
        # Submitted: nothing is left to queue, so nothing offers to (a second POST adds
        # nothing either: tests/orders/test_upload_service.py).
        expect(page.get_by_role("button", name="Queue 1 order")).to_have_count(0)
        page.screenshot(path=str(artifacts / "upload-submitted.png"), full_page=True)
    finally:
        context.close()
    upload = Upload.objects.get()
    assert upload.state == Upload.State.SUBMITTED
    assert Order.objects.filter(upload=upload).count() == 1


def test_the_same_file_again_needs_a_yes(
    browser: Browser, live_server, tmp_path: Path, artifacts: Path, monkeypatch
) -> None:
    monkeypatch.setattr(create, "_enqueue_dispatch", lambda panel_id: None)  # no worker
    alpha_catalog()
    first = tmp_path / "orders.csv"
    first.write_text("panel,service,link,quantity\nAlpha SMM,101,https://x.com/a,1000\n")
    second = tmp_path / "more.csv"  # the same link, written another way, and a new one
    second.write_text(
        "panel,service,link,quantity\nAlpha SMM,101,https://www.x.com/a/,1000\n"
        "Alpha SMM,101,https://x.com/b,1000\n"
    )

    page = browser.new_page()
    try:
        log_in(page, f"{live_server.url}/orders/upload/")

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
            "Row 2: This link already has an active order"
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


# ---- A reseller's first upload, at desktop and phone width --------------------------------

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# A 1x1 PNG's first bytes: what a screenshot renamed .csv starts with.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
LONG_LINK = "https://instagram.com/p/" + "a-very-long-post-name-" * 8


def _first_upload_catalog() -> None:
    panel = alpha_catalog()
    Service.objects.create(
        panel=panel,
        remote_id="102",
        name="Comments",
        rate=Decimal("9"),
        type="custom_comments",
        min_quantity=2,
        max_quantity=50,
    )


def _no_horizontal_scroll(page, selector: str) -> None:
    """Nothing in the element is cut off or needs a sideways scroll to be read."""
    overflow = page.locator(selector).evaluate("e => e.scrollWidth - e.clientWidth")
    assert overflow <= 1, f"{selector} is {overflow}px wider than it shows"


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_a_first_upload_from_the_order_list_to_the_queued_orders(
    browser: Browser,
    live_server,
    tmp_path: Path,
    artifacts: Path,
    monkeypatch,
    label: str,
    viewport: dict[str, int],
) -> None:
    monkeypatch.setattr(create, "_enqueue_dispatch", lambda panel_id: None)  # no worker
    _first_upload_catalog()
    png = tmp_path / "screenshot.csv"
    png.write_bytes(PNG)
    semicolons = tmp_path / "export.csv"
    semicolons.write_text("Panneau;Identifiant;Lien;Quantité\nAlpha SMM;101;https://x.com/a;100\n")
    # Row 3's comments span lines 3-5 of the file: the bad row below is row 4, on line 6.
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "panel,service,link,quantity,comments\n"
        "Alpha SMM,101,https://x.com/a,1000,\n"
        'Alpha SMM,102,https://x.com/p,,"Great!\nLove it\nWow"\n'
        f"Alpha SMM,101,{LONG_LINK},5,\n"
        "Nowhere,101,https://x.com/c,100,\n"
    )

    context = browser.new_context(viewport=viewport, accept_downloads=True)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        log_in(page, f"{live_server.url}/orders/new/")
        expect(page.get_by_role("link", name="Many orders? Upload a CSV file")).to_be_visible()
        _no_horizontal_scroll(page, "html")
        page.screenshot(path=str(artifacts / f"upload-from-new-order-{label}.png"))

        page.goto(f"{live_server.url}/orders/")
        expect(page.get_by_role("link", name="Upload orders")).to_be_visible()
        _no_horizontal_scroll(page, "html")
        page.screenshot(path=str(artifacts / f"upload-from-order-list-{label}.png"))
        page.get_by_role("link", name="Upload orders").click()
        expect(page.get_by_role("heading", name="Upload orders")).to_be_visible()
        assert page.url.endswith("/orders/upload/")
        _no_horizontal_scroll(page, "html")
        page.screenshot(path=str(artifacts / f"upload-form-{label}.png"), full_page=True)

        with page.expect_download() as download:
            page.get_by_role("link", name="Download a template with your services").click()
        template = Path(download.value.path()).read_text(encoding="utf-8")
        assert "Alpha SMM,101," in template
        assert "Alpha SMM,102," in template

        page.get_by_label("CSV file (UTF-8)").set_input_files(str(png))
        page.get_by_role("button", name="Check the file").click()
        expect(page.locator("#upload-error")).to_contain_text(
            "This is not a CSV or text file: it is a PNG image."
        )
        page.get_by_label("CSV file (UTF-8)").set_input_files(str(semicolons))
        page.get_by_role("button", name="Check the file").click()
        error = page.locator("#upload-error")
        expect(error).to_contain_text("These columns were not recognised: 'panneau'")
        expect(error).to_contain_text("The columns are: panel, service, link, quantity")
        page.screenshot(path=str(artifacts / f"upload-error-{label}.png"), full_page=True)

        page.get_by_label("CSV file (UTF-8)").set_input_files(str(orders))
        page.get_by_role("button", name="Check the file").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("2 of 4 rows can be queued")
        invalid = page.locator("#upload-invalid")
        expect(invalid.locator("tbody tr").first).to_contain_text("4 line 6 of the file")
        why = invalid.get_by_text("Quantity 5 is below the service's minimum of 100.")
        expect(why).to_be_visible()
        box = why.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= viewport["width"]  # the reason is on screen
        _no_horizontal_scroll(page, "#upload-invalid")
        _no_horizontal_scroll(page, "html")
        page.screenshot(path=str(artifacts / f"upload-preview-{label}.png"), full_page=True)

        page.get_by_role("button", name="Queue 2 orders").click()
        expect(page.locator(".messages")).to_contain_text("Queued 2 orders")
        expect(page.get_by_role("heading", level=1)).to_have_text("2 orders queued from 4 rows")
        expect(page.get_by_role("button", name="Queue 2 orders")).to_have_count(0)
        expect(page.locator("#upload-progress")).to_contain_text("0 of 2 handled")
        queued = page.locator("#upload-valid")
        expect(queued).to_contain_text("Queued")
        _no_horizontal_scroll(page, "html")
        page.screenshot(path=str(artifacts / f"upload-queued-{label}.png"), full_page=True)
        first = Order.objects.get(upload_row=2)
        queued.get_by_role("link", name=f"#{first.pk}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Order #{first.pk}")
    finally:
        context.close()


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_without_services_the_upload_page_offers_the_generic_template(
    browser: Browser, live_server, artifacts: Path, label: str, viewport: dict[str, int]
) -> None:
    User.objects.create_user("alice", password=PASSWORD)  # no panel connected yet
    context = browser.new_context(viewport=viewport, accept_downloads=True)  # type: ignore[arg-type]
    page = context.new_page()
    try:
        log_in(page, f"{live_server.url}/orders/upload/")
        expect(page.locator("#template-no-services")).to_contain_text(
            "Your panels have no services yet"
        )
        expect(
            page.get_by_role("link", name="Download a template with your services")
        ).to_have_count(0)
        _no_horizontal_scroll(page, "html")
        page.screenshot(path=str(artifacts / f"upload-no-services-{label}.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the generic template").click()
        header = Path(download.value.path()).read_text(encoding="utf-8").splitlines()[0]
        assert header.startswith("panel,service,link,quantity,comments")
    finally:
        context.close()
