"""A panel that sends hostile text: HTML, script tags, event handlers, HTMX attributes,
`javascript:` links, template syntax and very long words, in its catalog (names, categories,
descriptions, types) and in its error texts (the panel's last error, an order's rejection, a
status error, a refill refusal, a bulk action's answer).

Every page that shows such text is opened in a real browser. On each one: no dialog opens, the
`window.__pwned` marker stays unset, no request leaves for anything but the dashboard itself (and
none for a hostile path), no element carries the hostile attributes, the text is shown as text,
the page does not scroll sideways, and no Content Security Policy violation happens.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Page, expect

from orders.models import BulkAction, BulkItem, Order, Refill, Upload
from orders.services.uploads import upload_check
from panels.models import Panel, Service
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}

# Each piece would do something visible if it were ever treated as markup or as a template.
SCRIPT = "<script>window.__pwned='script';alert('script')</script>"
IMG = "<img src=/hostile-img onerror=\"window.__pwned='img';alert('img')\">"
HTMX = '<b hx-get="/hostile-hx/" hx-trigger="load" hx-target="body" hx-swap="outerHTML">hx</b>'
BREAKOUT = '" hx-get="/hostile-attr/" hx-trigger="load" onfocus="window.__pwned=\'attr\'" x="'
JS_LINK = "<a href=\"javascript:window.__pwned='link';alert('link')\">javascript link</a>"
TEMPLATE = "{{ request.user.username }}{% csrf_token %}{% debug %}"
LONG = "W" * 5000  # one word, no spaces
EVERYTHING = f"{SCRIPT} {IMG} {HTMX} {BREAKOUT} {JS_LINK} {TEMPLATE}"

FOLLOWERS = f"Instagram Followers {SCRIPT}"
LIKES = f"Instagram Likes {IMG}{BREAKOUT}"
LONG_NAME = "TikTok Views " + "V" * 480
OTHER_FOLLOWERS = f"Instagram Followers {HTMX}"
ADDED_LATER = f"Instagram Story Views {JS_LINK}{TEMPLATE}"
CATEGORY = f"Instagram Followers {HTMX}"
LONG_CATEGORY = "TikTok " + "C" * 280
DESCRIPTION = f"{EVERYTHING}\n{LONG}"
RAW_TYPE = '<i hx-get="/hostile-type/" hx-trigger="load">Default</i>{{ 1 }}'[:100]
PANEL_ERROR = f"The panel answered: {SCRIPT}{HTMX}{TEMPLATE} {LONG}"
REJECTION = f"Rejected: {IMG}{HTMX} {LONG}"
STATUS_ERROR = f"Status check failed: {SCRIPT}{BREAKOUT}"
REFILL_REFUSAL = f"Refill refused: {JS_LINK}{TEMPLATE} {LONG}"
BULK_MESSAGE = (f"Refused: {IMG}{HTMX}{TEMPLATE} " + "M" * 300)[:500]

# Pages that break out of the hostile text show up as one of these.
HOSTILE_SELECTOR = (
    "[onerror], [onfocus], [onmouseover], a[href^='javascript:'], [hx-get*='hostile'], "
    "img[src*='hostile']"
)
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} `
                              + `at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@dataclass
class Hostile:
    followers: Service
    likes: Service
    long: Service
    other: Service
    panel: Panel
    failing: Panel
    rejected: Order
    placed: Order
    refill: Refill
    bulk: BulkAction
    upload: Upload


@dataclass
class Watch:
    """What the browser did that it must not do."""

    base_url: str
    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{page.url}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: self.console.append(message.text))

    def foreign_requests(self) -> list[str]:
        return [
            url
            for url in self.requests
            if not url.startswith(self.base_url) or "hostile" in url or "javascript:" in url
        ]

    def problems(self) -> list[str]:
        """Everything seen on any page: dialogs, requests elsewhere, CSP reports."""
        csp = [text for text in self.console if "Content Security Policy" in text]
        return (
            [f"dialog: {d}" for d in self.dialogs]
            + [f"request: {url}" for url in self.foreign_requests()]
            + [f"console: {text}" for text in csp]
        )


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",), dialect="seed001")
    yield handle
    handle.stop()


@pytest.fixture
def hostile(sim: SimulatorHandle, settings: Any) -> Hostile:
    settings.PANEL_HTTP_RETRIES = 0
    settings.CELERY_TASK_ALWAYS_EAGER = True
    add = sim.add_service
    add(
        catalog="base",
        name=FOLLOWERS,
        category=CATEGORY,
        description=DESCRIPTION,
        rate="1.10",
        refill=True,
        cancel=True,
    )
    add(
        catalog="base",
        name=LIKES,
        category=f"Instagram Likes {TEMPLATE}",
        description=f"{BREAKOUT}\n{JS_LINK}",
        rate="0.50",
        refill=True,
    )
    add(catalog="base", name=LONG_NAME, category=LONG_CATEGORY, description=LONG, rate="0.02")
    add(
        catalog="alt1",
        name=OTHER_FOLLOWERS,
        category="Instagram Followers",
        description=SCRIPT,
        rate="0.95",
    )

    panel = panel_create(name="Hostile Panel", api_url=sim.api_url(catalog="base"), api_key="k")
    failing = panel_create(name="Other Panel", api_url=sim.api_url(catalog="alt1"), api_key="k")
    for each in (panel, failing):
        balance_sync(panel=each)
        catalog_sync(panel=each)
    # A second sync with changes: the changes feed lists hostile names.
    sim.update_service(_remote_id(sim, "base", FOLLOWERS), catalog="base", rate="1.45")
    sim.update_service(_remote_id(sim, "base", LONG_NAME), catalog="base", rate="0.01")
    add(catalog="base", name=ADDED_LATER, category=CATEGORY, description=TEMPLATE, rate="0.3")
    catalog_sync(panel=panel)

    followers = Service.objects.get(panel=panel, name=FOLLOWERS)
    Service.objects.filter(pk=followers.pk).update(raw_type=RAW_TYPE)
    now = timezone.now()
    Panel.objects.filter(pk=failing.pk).update(
        health=Panel.Health.FAILING, last_error=PANEL_ERROR, last_error_at=now, failing_since=now
    )

    rejected = Order.objects.create(
        panel=panel,
        service=followers,
        link="https://example.com/p/1",
        quantity=100,
        state=Order.State.REJECTED,
        last_error=REJECTION,
        error_reason="other",
    )
    likes = Service.objects.get(panel=panel, name=LIKES)
    placed = Order.objects.create(
        panel=panel,
        service=likes,
        link="https://example.com/p/2",
        quantity=100,
        state=Order.State.PLACED,
        remote_id="9001",
        status="partial",
        placed_at=now,
        last_error=STATUS_ERROR,
        charge=Decimal("0.05"),
        currency="USD",
    )
    refill = Refill.objects.create(order=placed, status="rejected", last_error=REFILL_REFUSAL)
    bulk = BulkAction.objects.create(
        kind=BulkAction.Kind.REFILL,
        state=BulkAction.State.DONE,
        description=f"2 ticked orders {SCRIPT}",
        total=2,
        eligible=1,
        sent=1,
        failed=1,
        finished_at=now,
    )
    BulkItem.objects.create(
        bulk=bulk,
        order=placed,
        outcome=BulkItem.Outcome.REJECTED,
        reason="other",
        message=BULK_MESSAGE,
    )
    BulkItem.objects.create(
        bulk=bulk,
        order=rejected,
        outcome=BulkItem.Outcome.SKIPPED,
        reason="not_placed",
        message=REJECTION[:500],
    )
    upload = upload_check(
        kind=Upload.Kind.MASS,
        panel=panel,
        user=None,
        data=f"{followers.remote_id} | https://example.com/u/1 | 100\n"
        f"{likes.remote_id} | {SCRIPT} | 100\n"
        f"{followers.remote_id} | https://example.com/{LONG} | {IMG}\n",
    )
    User.objects.create_user("alice", password=PASSWORD)
    User.objects.create_superuser("root", password=PASSWORD)
    return Hostile(
        followers=followers,
        likes=likes,
        long=Service.objects.get(panel=panel, name=LONG_NAME),
        other=Service.objects.get(panel=failing, name=OTHER_FOLLOWERS),
        panel=panel,
        failing=Panel.objects.get(pk=failing.pk),
        rejected=rejected,
        placed=placed,
        refill=refill,
        bulk=bulk,
        upload=upload,
    )


def _remote_id(sim: SimulatorHandle, catalog: str, name: str) -> int:
    return next(s.id for s in sim.services(catalog) if s.name == name)


def browser_session(
    browser: Browser, base_url: str, username: str, viewport: dict[str, int] = DESKTOP
) -> tuple[BrowserContext, Page]:
    context = browser.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/")
    return context, page


def _visible_text(page: Page) -> str:
    return str(page.evaluate("document.body.innerText"))


def _all_text(page: Page) -> str:
    return str(page.evaluate("document.body.textContent"))


def inert_problems(page: Page) -> list[str]:
    """What the page as it is now shows of hostile text that was taken for markup."""
    problems = []
    marker = page.evaluate("window.__pwned")
    if marker is not None:
        problems.append(f"window.__pwned = {marker!r}")
    hostile = page.eval_on_selector_all(HOSTILE_SELECTOR, "els => els.map(e => e.outerHTML)")
    if hostile:
        problems.append(f"hostile elements in the page: {hostile[:3]}")
    problems += [f"csp: {v}" for v in page.evaluate("window.__cspViolations || []")]
    return problems


def check_page(
    page: Page, watch: Watch, path: str, shows: tuple[str, ...] = (), contains: tuple[str, ...] = ()
) -> list[str]:
    """Open the page and return what is wrong with it (empty: nothing)."""
    before = len(watch.requests)
    response = page.goto(f"{watch.base_url}{path}")
    assert response is not None
    if response.status != 200:
        return [f"{path}: HTTP {response.status}"]
    page.wait_for_load_state("load")
    page.wait_for_timeout(400)  # an hx-trigger="load" would have fired by now

    problems = inert_problems(page)
    problems += [f"{w[:60]!r} is not shown as text" for w in shows if w not in _visible_text(page)]
    problems += [f"{w[:60]!r} is not in the page" for w in contains if w not in _all_text(page)]
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width[0] > width[1]:
        problems.append(
            f"the page is {width[0]}px wide in a {width[1]}px window "
            f"(sticking out: {page.evaluate(WIDEST)})"
        )
    foreign = watch.foreign_requests()
    problems += [f"request: {url}" for url in watch.requests[before:] if url in foreign]
    return [f"{path}: {problem}" for problem in problems]


# What sticks out of the window: the outermost elements, and text (a long word overflows its
# box without making the box any wider).
WIDEST = """(() => {
  const w = window.innerWidth;
  const name = (el) => `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
  const out = [];
  const sticksOut = (el) => el.getBoundingClientRect().right > w + 1;
  for (const el of document.querySelectorAll('body *')) {
    if (sticksOut(el) && !sticksOut(el.parentElement)) {
      out.push(`${name(el)} in ${name(el.parentElement)}`);
    }
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    const parent = node.parentElement;
    if (range.getBoundingClientRect().right > w + 1 && !parent.closest('.visually-hidden')) {
      out.push(`text in ${name(parent)} in ${name(parent.parentElement)}`);
    }
  }
  return out.slice(0, 6);
})()"""


def dashboard_pages(h: Hostile) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """(path, text that must be visible, text that must be in the page) for every page."""
    both = f"ids={h.placed.pk}&ids={h.rejected.pk}"
    return [
        ("/", ("The panel answered: <script>",), ()),
        ("/panels/", ("The panel answered: <script>", "{{ request.user.username }}"), ()),
        ("/catalog/", (FOLLOWERS, CATEGORY, "Instagram Likes <img src=/hostile-img"), ()),
        ("/catalog/?q=Instagram", (FOLLOWERS, OTHER_FOLLOWERS), ()),
        ("/catalog/?q=TikTok", (LONG_NAME,), ()),
        (f"/catalog/{h.followers.pk}/", (FOLLOWERS, SCRIPT, TEMPLATE, LONG, RAW_TYPE), ()),
        (f"/catalog/{h.likes.pk}/", (LIKES, JS_LINK), ()),
        (f"/catalog/{h.long.pk}/", (LONG_NAME, LONG_CATEGORY), ()),
        (f"/catalog/{h.other.pk}/", (OTHER_FOLLOWERS,), ()),
        ("/catalog/changes/", (FOLLOWERS, ADDED_LATER), ()),
        (f"/orders/new/?service={h.followers.pk}", (FOLLOWERS,), (SCRIPT, TEMPLATE, LONG)),
        (f"/orders/new/?service={h.long.pk}", (LONG_NAME,), (LONG,)),
        ("/orders/", ("Status check failed: <script>",), ()),
        ("/orders/?state=rejected", ("Rejected: <img",), ()),
        (f"/orders/{h.rejected.pk}/", (REJECTION, FOLLOWERS), ()),
        (f"/orders/{h.placed.pk}/", (STATUS_ERROR, REFILL_REFUSAL, LIKES), ()),
        ("/orders/refills/", (REFILL_REFUSAL,), ()),
        # the preview lists services by the panel's id; the bad rows show what was typed
        (f"/orders/upload/{h.upload.pk}/", ("<script>window.__pwned",), (SCRIPT,)),
        (f"/orders/bulk/preview/?kind=refill&{both}", (), ()),
        (f"/orders/bulk/preview/?kind=cancel&{both}", (), ()),
        (f"/orders/bulk/{h.bulk.pk}/", (BULK_MESSAGE,), ()),
        ("/orders/bulk/history/", ("2 ticked orders <script>",), ()),
    ]


def admin_pages(h: Hostile) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    return [
        ("/admin/panels/panel/", (), ()),
        (f"/admin/panels/panel/{h.failing.pk}/change/", (), (PANEL_ERROR,)),
        ("/admin/panels/service/", (FOLLOWERS,), ()),
        (f"/admin/panels/service/{h.followers.pk}/change/", (), (FOLLOWERS, SCRIPT, LONG)),
        (f"/admin/panels/service/{h.long.pk}/change/", (), (LONG_NAME,)),
        ("/admin/orders/order/", (), ()),
        (f"/admin/orders/order/{h.rejected.pk}/change/", (), (REJECTION,)),
        (f"/admin/orders/order/{h.placed.pk}/change/", (), (STATUS_ERROR,)),
        ("/admin/orders/refill/", (), ()),
        (f"/admin/orders/refill/{h.refill.pk}/change/", (), (REFILL_REFUSAL,)),
    ]


def visit(
    browser: Browser,
    base_url: str,
    username: str,
    pages: list[Any],
    viewport: dict[str, int] = DESKTOP,
) -> list[str]:
    """Log in, open every page, and return everything that went wrong."""
    context, page = browser_session(browser, base_url, username, viewport)
    watch = Watch(base_url)
    watch.attach(page)
    try:
        problems: list[str] = []
        for path, shows, contains in pages:
            problems += check_page(page, watch, path, shows, contains)
    finally:
        context.close()
    return problems + watch.problems()


def test_hostile_panel_text_is_inert_on_every_dashboard_page(
    browser: Browser, live_server: Any, hostile: Hostile
) -> None:
    problems = visit(browser, live_server.url, "alice", dashboard_pages(hostile))

    assert problems == [], "\n".join(problems)


def test_long_panel_text_fits_a_phone(
    browser: Browser, live_server: Any, hostile: Hostile, artifacts: Path
) -> None:
    pages = [
        (path, (), ())
        for path in (
            "/catalog/?q=TikTok",
            f"/catalog/{hostile.long.pk}/",
            f"/catalog/{hostile.followers.pk}/",
            f"/orders/{hostile.rejected.pk}/",
            f"/orders/{hostile.placed.pk}/",
            "/orders/",
            "/panels/",
            "/",
        )
    ]
    context, page = browser_session(browser, live_server.url, "alice")
    try:
        # Looked at by a person: the catalog and an order with hostile text.
        page.goto(f"{live_server.url}/catalog/?q=Instagram")
        page.screenshot(path=artifacts / "hostile-catalog-desktop.png", full_page=True)
        page.goto(f"{live_server.url}/orders/{hostile.placed.pk}/")
        page.screenshot(path=artifacts / "hostile-order-desktop.png", full_page=True)
        page.set_viewport_size(PHONE)
        page.goto(f"{live_server.url}/catalog/{hostile.long.pk}/")
        page.screenshot(path=artifacts / "hostile-service-phone.png", full_page=True)
    finally:
        context.close()
    problems = visit(browser, live_server.url, "alice", pages, viewport=PHONE)

    assert problems == [], "\n".join(problems)


def test_hostile_panel_text_is_inert_in_the_admin(
    browser: Browser, live_server: Any, hostile: Hostile
) -> None:
    problems = visit(browser, live_server.url, "root", admin_pages(hostile))

    assert problems == [], "\n".join(problems)


def test_picking_the_hostile_service_in_the_order_form_runs_nothing(
    browser: Browser, live_server: Any, hostile: Hostile
) -> None:
    """The picker and the form's fields arrive through HTMX: swapped-in text stays text."""
    context, page = browser_session(browser, live_server.url, "alice")
    watch = Watch(live_server.url)
    watch.attach(page)
    try:
        page.goto(f"{live_server.url}/orders/new/")
        page.get_by_label("Search the services of every panel").press_sequentially(
            "Instagram Followers", delay=20
        )
        item = page.locator(".picker-item", has_text="Instagram Followers <script>")
        expect(item.first).to_be_visible()
        item.first.click()
        expect(page.get_by_text(FOLLOWERS).first).to_be_visible()
        page.wait_for_timeout(400)
        problems = inert_problems(page) + watch.problems()
    finally:
        context.close()

    assert problems == [], "\n".join(problems)


def test_the_checks_see_what_they_look_for(
    browser: Browser, live_server: Any, hostile: Hostile
) -> None:
    """Markup that did get through would be caught: a dialog, a hostile request and element,
    the marker, and (with the Content Security Policy on) an inline script."""
    context, page = browser_session(browser, live_server.url, "alice")
    watch = Watch(live_server.url)
    watch.attach(page)
    try:
        assert check_page(page, watch, "/panels/") == []
        page.evaluate("""() => {
            document.body.insertAdjacentHTML('beforeend', '<img src="/hostile-img" alt="">');
            const script = document.createElement('script');
            script.textContent = "window.__pwned = 'inline'";
            document.body.appendChild(script);
            window.setTimeout(() => alert('caught'), 0);
        }""")
        page.wait_for_timeout(300)
        problems = inert_problems(page) + watch.problems()
    finally:
        context.close()

    assert any("/hostile-img" in p for p in problems), problems
    assert any("hostile elements" in p for p in problems), problems
    assert any("dialog" in p for p in problems), problems
    csp_on = any(p.startswith("csp:") for p in problems)
    assert csp_on or any("window.__pwned = 'inline'" in p for p in problems), problems
