"""States an order or a panel can be left in by a misbehaving panel, in a real browser: an
order that may have been bought twice (a late answer after it was placed again) and its
Acknowledge button; a status answer set aside; a catalog sync that set services aside; an add
answer that trickled past the deadline. Each page is shot on a desktop and a phone into
test-artifacts/, and checked for sideways scrolling and for hostile text staying text."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from orders.models import Order
from orders.services import (
    order_create,
    order_late_answer,
    order_resolve_not_placed,
    orders_status_sync,
)
from panels.models import CatalogSync, Panel
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.e2e.helpers import DESKTOP, NO_SIDEWAYS_SCROLL, PASSWORD, PHONE, log_in
from tests.orders.helpers import service_of, values_for
from tests.panels.slowserver import AnswerServer

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOSTILE_ANSWER = '{"order": "<script>alert(1)</script>", "note": "<img src=x onerror=alert(2)>"}'
State = Order.State


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",), stage_seconds=60)
    yield handle
    handle.stop()


@pytest.fixture
def shop(sim: SimulatorHandle, settings) -> Panel:
    settings.CELERY_TASK_ALWAYS_EAGER = True  # dispatch and sync tasks run inline
    settings.PANEL_HTTP_RETRIES = 0
    panel = panel_create(name="Sim Shop", api_url=sim.api_url(), api_key="k")
    catalog_sync(panel=panel)
    balance_sync(panel=panel)
    User.objects.create_user("alice", password=PASSWORD, is_staff=True)
    return Panel.objects.get(pk=panel.pk)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()
    assert dialogs == [], "a dialog opened: panel text was run as markup"


def shoot(page: Page, artifacts: Path, name: str) -> None:
    """A desktop and a phone screenshot; the phone one must not scroll sideways."""
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=artifacts / f"{name}-desktop.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts / f"{name}-phone.png", full_page=True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{name} scrolls sideways on a phone"
    page.set_viewport_size(DESKTOP)


def inside(page: Page, selector: str, container: str) -> bool:
    """Every element matching `selector` ends within `container`'s right edge."""
    return bool(
        page.evaluate(
            """([selector, container]) => {
            const outer = document.querySelector(container).getBoundingClientRect();
            return [...document.querySelectorAll(selector)].every(
                (el) => el.getBoundingClientRect().right <= outer.right + 0.5);
        }""",
            [selector, container],
        )
    )


def sent(panel: Panel) -> Order:
    """An order created and sent at once (the dispatch task runs eagerly, in this thread)."""
    service = service_of(panel, "default")
    order = order_create(service=service, values=values_for(service))
    order.refresh_from_db()
    return order


def test_a_possible_double_buy_is_raised_until_acknowledged(
    page: Page, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    # Sent, the answer lost; a person found nothing and placed it again; then the first
    # send's answer arrives after all.
    sim.set_fault("drop_after_accept", actions=["add"], count=1)
    first = sent(shop)
    assert first.state == State.UNKNOWN
    sim.advance(24 * 3600)  # the lost order is delivered: its link may be ordered again
    again = order_resolve_not_placed(order=first, place_again=True)
    assert again is not None
    again.refresh_from_db()
    assert again.state == State.PLACED  # the eager dispatch task sent it
    lost_id = sim.orders()[0]["id"]
    order_late_answer(order=first, remote_id=lost_id, answer=HOSTILE_ANSWER)
    base = live_server.url

    log_in(page, base, "/orders/?attention=yes")
    row = page.locator(f"#order-{first.pk}")
    expect(row).to_be_visible()
    expect(page.locator(f"#order-{again.pk}")).to_have_count(0)
    raised = page.locator(".attention-row")
    expect(raised).to_have_count(1)
    expect(raised).to_contain_text(f"This may have been bought twice: #{lost_id}")
    expect(raised).to_contain_text(f"#{again.remote_id} (order {again.pk}, placed again)")
    shoot(page, artifacts, "raised-order-list")

    page.goto(f"{base}/")
    item = page.locator(".attention-item", has_text="may have been bought twice")
    expect(item).to_contain_text("1 order")
    expect(item.get_by_role("link", name=f"#{first.pk}")).to_be_visible()
    expect(item.get_by_role("link", name="Show it in the order list")).to_have_attribute(
        "href", "/orders/?attention=yes"
    )
    shoot(page, artifacts, "raised-overview")

    item.get_by_role("link", name=f"#{first.pk}").click()
    expect(page).to_have_url(f"{base}/orders/{first.pk}/")
    card = page.locator("#attention")
    raised_text = card.locator(".attention-note").inner_text()
    expect(card).to_contain_text(f"#{lost_id} (a late answer to sending this order)")
    expect(page.locator(".order-numbers")).to_contain_text(lost_id)
    answer = page.locator(".panel-answer")
    expect(answer).to_have_text(HOSTILE_ANSWER)  # shown as text: no script, no image
    expect(answer.locator("*")).to_have_count(0)
    assert page.evaluate("document.querySelectorAll('main script, main img').length") == 0
    assert inside(page, ".panel-answer", ".order-detail-main")
    shoot(page, artifacts, "raised-order-detail")

    card.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Order #{first.pk}: acknowledged")
    expect(page.locator("#attention")).to_have_count(0)
    expect(page.locator(".order-numbers")).to_contain_text(lost_id)  # still on record
    history = page.locator(".order-history-table")
    expect(history).to_contain_text(f"Late answer from the panel: #{lost_id}")
    expect(history).to_contain_text("Acknowledged by alice: This may have been bought twice")
    assert history.locator("td.cell-change").all_inner_texts()[-3:] == [
        "Confirmed not placed",
        f"Late answer from the panel: #{lost_id}, after the order was marked not placed. "
        "Not recorded as placed.",
        "Acknowledged by alice: " + raised_text,
    ], "the history is not in the order things happened"
    shoot(page, artifacts, "raised-order-acknowledged")

    page.goto(f"{base}/orders/?attention=yes")
    expect(page.locator(f"#order-{first.pk}")).to_have_count(0)
    page.goto(f"{base}/")
    expect(page.get_by_text("may have been bought twice")).to_have_count(0)
    first.refresh_from_db()
    assert (first.attention, first.late_remote_id) == ("", lost_id)
    assert len(sim.orders()) == 2  # nothing was sent a third time


def test_a_status_answer_set_aside_is_explained_on_the_order_page(
    page: Page, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    order = sent(shop)
    assert order.state == State.PLACED
    sim.advance(90)
    orders_status_sync(panel=shop)  # a usable answer first: in progress, some delivered
    order.refresh_from_db()
    assert order.status == "in_progress"
    remains = order.remains
    assert remains is not None
    sim.set_fault(
        "malformed_status", actions=["status"], targets=[order.remote_id], variants=["remains_huge"]
    )

    log_in(page, live_server.url, f"/orders/{order.pk}/")
    page.get_by_role("button", name="Refresh").click()
    expect(page.locator("#order-live .message")).to_contain_text("its answer could not be used")
    reason = page.locator(".order-state-text .last-error")
    expect(reason).to_contain_text("Last status answer set aside")
    expect(reason).to_contain_text("The values below are from the last answer that could be used")
    expect(page.locator(".order-panel-status")).to_have_text("In progress")
    expect(page.locator(".order-remains")).to_have_text(f"{remains:,}")
    order.refresh_from_db()
    assert order.error_reason == "unusable_answer"
    expect(reason.locator(".last-error-text")).to_have_text(order.last_error)
    shoot(page, artifacts, "status-set-aside-detail")


def test_a_catalog_sync_that_set_services_aside_says_why(
    page: Page, live_server, shop: Panel, sim: SimulatorHandle, artifacts: Path
) -> None:
    # Another panel whose last sync set aside entries with hostile, unbreakable text.
    other = Panel(
        name="Odd Panel",
        api_url="https://odd.example/api/v2",
        currency="USD",
        balance=Decimal("40"),
        health=Panel.Health.OK,
        last_ok_at=timezone.now(),
        catalog_synced_at=timezone.now(),
    )
    other.api_key = "k"
    other.save()
    long_id = "9" * 180
    CatalogSync.objects.create(
        panel=other,
        state=CatalogSync.State.DONE,
        finished_at=timezone.now(),
        services_seen=12,
        skipped=3,
        notes=[
            f"service <script>alert(3)</script>: {'rate ' * 3}is not a number",
            f"an entry whose service id {long_id} is longer than 100 characters",
            "service <b>7</b>: listed twice",
        ],
    )
    sim.set_fault("out_of_range", actions=["services"])

    log_in(page, live_server.url, "/panels/")
    row = page.locator(f"#panel-{shop.pk}")
    row.get_by_role("button", name="Sync now").click()
    sync = row.locator(".sync-slot")
    expect(sync).to_contain_text("Synced", timeout=15_000)
    run = CatalogSync.objects.get(panel=shop)
    assert run.skipped == 4  # rate_inf, rate_huge, min_huge, max_huge; refill_time is a note
    expect(sync).to_contain_text(f"{run.services_seen} stored, 4 set aside")
    sync.get_by_text("4 entries of the panel's list set aside, others kept with a note").click()
    notes = sync.locator(".sync-notes li")
    expect(notes).to_have_count(len(run.notes))
    expect(notes.first).to_contain_text("service 1: rate")
    for note in run.notes:
        expect(sync.locator(".sync-notes")).to_contain_text(note)

    page.reload()  # the list as it loads, with both panels' notes open
    for details in page.locator(".sync-notes").all():
        details.locator("summary").click()
    odd = page.locator(f"#panel-{other.pk} .sync-notes li")
    expect(odd.first).to_have_text(
        "service <script>alert(3)</script>: rate rate rate is not a number"
    )
    expect(odd.nth(2)).to_have_text("service <b>7</b>: listed twice")
    expect(page.locator(".sync-notes li *")).to_have_count(0)  # text, never markup
    expect(page.locator(f"#panel-{shop.pk}")).to_contain_text("4 set aside")
    shoot(page, artifacts, "panels-set-aside")
    page.set_viewport_size(PHONE)
    assert inside(page, ".sync-notes li", ".panel-rows"), "a reason runs out of its card"
    long_note = page.locator(f"#panel-{other.pk} .sync-notes li").nth(1)
    box = long_note.bounding_box()
    assert box
    assert box["height"] > 40, "the long reason does not wrap"


def test_an_add_answer_that_trickled_past_the_deadline_is_explained(
    page: Page, live_server, shop: Panel, artifacts: Path
) -> None:
    body = b'{"order": 99001, "padding": "' + b"x" * 40 + b'"}'  # ~10 s at a byte per 0.2 s
    with AnswerServer(body, trickle=0.2) as server:
        Panel.objects.filter(pk=shop.pk).update(api_url=server.url, timeout_seconds=1)
        shop.refresh_from_db()
        order = sent(shop)
    assert order.state == State.UNKNOWN
    assert "no complete answer within 1s" in order.last_error

    log_in(page, live_server.url, "/orders/")
    row = page.locator(f"#order-{order.pk}")
    expect(row).to_have_class(re.compile(r"\brow-attention\b"))
    raised = page.locator(".attention-row")
    expect(raised).to_contain_text(f"we do not know whether Sim Shop received order #{order.pk}")
    expect(raised).to_contain_text("timed out (no complete answer within 1s)")
    shoot(page, artifacts, "trickled-order-list")

    row.get_by_role("link", name=f"#{order.pk}").click()
    expect(page.locator(".order-state")).to_have_text("Outcome unknown")
    what = page.locator("#resolve .last-error")
    expect(what).to_contain_text("What happened")
    expect(what).to_contain_text("no complete answer within 1s")
    shoot(page, artifacts, "trickled-order-detail")
