"""The new-order page: the form of every order type, what it sends, its error messages, the
live estimate and its warnings, the service picker, and the guards (login, CSRF, escaping,
one order per form)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.models import Order
from orders.validation import stored_values
from panels.api.normalise import Status
from panels.api.order_types import add_fields
from panels.models import Panel, Service
from panels.services import balance_sync, catalog_sync, panel_create
from simulator import SimulatorHandle, start_simulator
from tests.orders.helpers import svc, text

pytestmark = pytest.mark.django_db

State = Order.State
EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
NEXT_YEAR = date.today() + timedelta(days=365)

# One service of the simulator's base catalog per order type (its id there), with the values a
# person types into the form (as posted: strings, \r\n line ends, stray blanks) and the exact
# `add` fields that must result.
CASES: dict[str, tuple[int, dict[str, str], dict[str, str]]] = {
    "default": (
        1, {"link": " https://instagram.com/p/one ", "quantity": "1,000"},
        {"link": "https://instagram.com/p/one", "quantity": "1000"},
    ),
    "default_dripfeed": (
        3, {"link": "https://instagram.com/p/drip", "quantity": "200", "runs": "5",
            "interval": "30"},
        {"link": "https://instagram.com/p/drip", "quantity": "200", "runs": "5",
         "interval": "30"},
    ),
    "package": (6, {"link": "https://instagram.com/p/pkg"}, {"link": "https://instagram.com/p/pkg"}),
    "seo": (
        30, {"link": "https://youtube.com/watch?v=seo", "quantity": "1000",
             "keywords": "smm panel\r\n\r\n  best likes  \r\n"},
        {"link": "https://youtube.com/watch?v=seo", "quantity": "1000",
         "keywords": "smm panel\nbest likes"},
    ),
    "custom_comments": (
        7, {"link": "https://instagram.com/p/cc",
            "comments": "Great!\r\nLove it\r\n\r\nWow\r\nNice one\r\n  So good  \r\n"},
        {"link": "https://instagram.com/p/cc",
         "comments": "Great!\nLove it\nWow\nNice one\nSo good"},
    ),
    "custom_comments_package": (
        8, {"link": "https://instagram.com/p/ccp", "comments": "One\r\nTwo"},
        {"link": "https://instagram.com/p/ccp", "comments": "One\nTwo"},
    ),
    "mentions": (
        9, {"link": "https://instagram.com/p/m", "quantity": "100", "usernames": "alice\r\nbob"},
        {"link": "https://instagram.com/p/m", "quantity": "100", "usernames": "alice\nbob"},
    ),
    "mentions_with_hashtags": (
        10, {"link": "https://instagram.com/p/mh", "quantity": "150", "usernames": "alice",
             "hashtags": "#one\r\n#two"},
        {"link": "https://instagram.com/p/mh", "quantity": "150", "usernames": "alice",
         "hashtags": "#one\n#two"},
    ),
    "mentions_custom_list": (
        11, {"link": "https://instagram.com/p/mcl",
             "usernames": "\r\n".join(f"user{n}" for n in range(10))},
        {"link": "https://instagram.com/p/mcl",
         "usernames": "\n".join(f"user{n}" for n in range(10))},
    ),
    "mentions_hashtag": (
        12, {"link": "https://instagram.com/p/mht", "quantity": "100", "hashtag": "#summer"},
        {"link": "https://instagram.com/p/mht", "quantity": "100", "hashtag": "#summer"},
    ),
    "mentions_user_followers": (
        13, {"link": "https://instagram.com/p/muf", "quantity": "100", "username": "natgeo"},
        {"link": "https://instagram.com/p/muf", "quantity": "100", "username": "natgeo"},
    ),
    "mentions_media_likers": (
        14, {"link": "https://instagram.com/p/mml", "quantity": "100",
             "media": "https://instagram.com/p/media1"},
        {"link": "https://instagram.com/p/mml", "quantity": "100",
         "media": "https://instagram.com/p/media1"},
    ),
    "comment_likes": (
        15, {"link": "https://instagram.com/p/cl", "quantity": "50", "username": "commenter"},
        {"link": "https://instagram.com/p/cl", "quantity": "50", "username": "commenter"},
    ),
    "comment_replies": (
        16, {"link": "https://instagram.com/p/cr", "username": "commenter",
             "comments": "Thanks!\r\nAgreed"},
        {"link": "https://instagram.com/p/cr", "username": "commenter",
         "comments": "Thanks!\nAgreed"},
    ),
    "poll": (
        33, {"link": "https://t.me/channel/12", "quantity": "100", "answer_number": "2"},
        {"link": "https://t.me/channel/12", "quantity": "100", "answer_number": "2"},
    ),
    "invites_from_groups": (
        34, {"link": "https://t.me/mygroup", "quantity": "100", "groups": "group1\r\ngroup2"},
        {"link": "https://t.me/mygroup", "quantity": "100", "groups": "group1\ngroup2"},
    ),
    "subscriptions": (
        17, {"username": "@someaccount", "min": "50", "max": "100", "posts": "10",
             "old_posts": "2", "delay": "30", "expiry": NEXT_YEAR.isoformat()},
        {"username": "someaccount", "min": "50", "max": "100", "posts": "10", "old_posts": "2",
         "delay": "30", "expiry": NEXT_YEAR.strftime("%d/%m/%Y")},
    ),
}  # fmt: skip
# Every field each type's form shows (drip-feed only where the service offers it).
TYPE_FIELDS = {
    "default": {"link", "quantity"},
    "default_dripfeed": {"link", "quantity", "runs", "interval"},
    "package": {"link"},
    "seo": {"link", "quantity", "keywords"},
    "custom_comments": {"link", "comments"},
    "custom_comments_package": {"link", "comments"},
    "mentions": {"link", "quantity", "usernames"},
    "mentions_with_hashtags": {"link", "quantity", "usernames", "hashtags"},
    "mentions_custom_list": {"link", "usernames"},
    "mentions_hashtag": {"link", "quantity", "hashtag"},
    "mentions_user_followers": {"link", "quantity", "username"},
    "mentions_media_likers": {"link", "quantity", "media"},
    "comment_likes": {"link", "quantity", "username"},
    "comment_replies": {"link", "username", "comments"},
    "poll": {"link", "quantity", "answer_number"},
    "invites_from_groups": {"link", "quantity", "groups"},
    "subscriptions": {"username", "min", "max", "posts", "old_posts", "delay", "expiry"},
}
ALL_FIELDS = set().union(*TYPE_FIELDS.values())


# ---- Fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def entry_sim(tmp_path: Path) -> Iterator[SimulatorHandle]:
    handle = start_simulator(state_dir=tmp_path / "sim", keys=("k",), stage_seconds=1)
    yield handle
    handle.stop()


@pytest.fixture
def shop(entry_sim: SimulatorHandle, settings) -> Panel:
    settings.PANEL_HTTP_RETRIES = 0
    panel = panel_create(name="Sim Shop", api_url=entry_sim.api_url(), api_key="k")
    catalog_sync(panel=panel)
    balance_sync(panel=panel)
    panel.refresh_from_db()
    return panel


def cost_shown(page: str) -> str:
    match = re.search(r'class="estimate-value"[^>]*>([^<]*)<', page)
    assert match, page
    return match.group(1)


def hint(page: str, name: str) -> str:
    match = re.search(rf'<p class="hint[^"]*" id="hint-{name}"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"no hint for {name}"
    return text(match.group(1))


def post_new(client: Client, service: Service, values: dict[str, str], **extra: str):
    data = {"service": str(service.pk), "client_ref": str(uuid.uuid4()), **values, **extra}
    return client.post(reverse("orders:new"), data)


def estimate(client: Client, service: Service, values: dict[str, str]) -> str:
    response = client.post(
        reverse("orders:estimate"), {"service": str(service.pk), **values}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    return response.content.decode()


def field_names(page: str) -> set[str]:
    form = page[page.index('id="order-form"') :]
    names = set(re.findall(r'<(?:input|textarea|select)[^>]* name="([a-z_]+)"', form))
    return names & ALL_FIELDS


# ---- The form of every type -----------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES))
def test_the_form_shows_exactly_the_fields_of_the_type(logged_in, shop, case):
    remote_id, _, _ = CASES[case]

    page = logged_in.get(reverse("orders:new"), {"service": svc(shop, remote_id).pk})

    assert page.status_code == 200
    assert field_names(page.content.decode()) == TYPE_FIELDS[case]


@pytest.mark.parametrize("case", list(CASES))
def test_each_type_queues_an_order_with_exactly_its_add_fields(
    logged_in, shop, entry_sim, settings, django_capture_on_commit_callbacks, user, case
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    remote_id, values, expected = CASES[case]
    service = svc(shop, remote_id)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post_new(logged_in, service, values)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.pk])
    assert order.state == State.QUEUED
    assert (order.service, order.panel, order.placed_by) == (service, shop, user)
    assert order.source == Order.Source.FORM
    assert add_fields(order.order_type, stored_values(order)) == expected
    assert not entry_sim.orders()  # queued: nothing is sent before the commit

    for callback in callbacks:  # the commit: the dispatch task runs (eagerly)
        callback()

    order.refresh_from_db()
    assert order.state == State.PLACED, order.last_error
    (remote,) = entry_sim.orders()
    sent = dict(remote["fields"])
    assert sent.pop("service") == service.remote_id
    assert sent == expected


def test_a_type_we_do_not_know_gets_default_fields_and_open_extra_fields(logged_in, shop):
    service = svc(shop, 4)
    Service.objects.filter(pk=service.pk).update(type="other", raw_type="Likes Turbo")

    page = logged_in.get(reverse("orders:new"), {"service": service.pk}).content.decode()

    assert field_names(page) == {"link", "quantity"}
    assert '<details class="advanced order-advanced" open>' in page
    assert 'name="extra"' in page


def test_extra_fields_are_passed_through(logged_in, shop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        post_new(
            logged_in,
            svc(shop, 1),
            {
                "link": "https://x.test/a",
                "quantity": "100",
                "extra": "order_style=fast\r\n\r\nspeed = slow\r\n",
            },
        )

    order = Order.objects.get()
    assert order.params == {"order_style": "fast", "speed": "slow"}


def test_after_placing_the_detail_page_shows_the_order_queued(
    logged_in, shop, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = post_new(
            logged_in, svc(shop, 1), {"link": "https://x.test/q", "quantity": "100"}
        )

    page = text(logged_in.get(response["Location"]).content.decode())
    order = Order.objects.get()
    assert f"Order #{order.pk} is queued: it is sent to Sim Shop within seconds." in page
    assert "Waiting to be sent to Sim Shop" in page


# ---- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote_id", "values", "field", "message"),
    [
        (7, {"link": "https://x.test/a", "comments": "One\nTwo"}, "comments",
         "2 comments given, the service's minimum is 5."),
        (2, {"link": "https://x.test/a", "comments": "\n".join("c" * 8)}, "comments",
         "8 comments given, the service's minimum is 10."),
        (1, {"link": "https://x.test/a", "quantity": "10"}, "quantity",
         "Quantity 10 is below the service's minimum of 50."),
        (1, {"link": "https://x.test/a", "quantity": "20000"}, "quantity",
         "Quantity 20000 is above the service's maximum of 10000."),
        (1, {"link": "https://x.test/a", "quantity": "lots"}, "quantity",
         "Enter a whole number, not 'lots'."),
        (1, {"quantity": "100"}, "link", "Required for this service."),
        (1, {"link": "ftp://x.test/a", "quantity": "100"}, "link",
         "Links must start with http:// or https://."),
        (3, {"link": "https://x.test/a", "quantity": "100", "runs": "5"}, "interval",
         "Drip-feed needs both runs and an interval."),
        (3, {"link": "https://x.test/a", "quantity": "100", "runs": "1", "interval": "5"},
         "runs", "Must be at least 2."),
        (17, {"username": "acc", "min": "100", "max": "60", "delay": "0"}, "max",
         "Max (60) must be at least min (100)."),
        (17, {"username": "acc", "min": "60", "max": "100", "delay": "7"}, "delay",
         "Delay must be one of 0, 5, 10"),
        (17, {"username": "acc", "min": "60", "max": "100", "delay": "0",
              "expiry": "2001-01-01"}, "expiry", "The expiry date is in the past."),
        (1, {"link": "https://x.test/a", "quantity": "100", "extra": "just words"}, "extra",
         "Line 1: write name=value."),
        (1, {"link": "https://x.test/a", "quantity": "100", "extra": "key=abc"}, "extra",
         "'key' cannot be used as an extra field name."),
    ],
)  # fmt: skip
def test_errors_are_specific_and_nothing_is_queued(
    logged_in, shop, remote_id, values, field, message
):
    response = post_new(logged_in, svc(shop, remote_id), values)

    assert response.status_code == 200
    page = response.content.decode()
    assert message in hint(page, field)
    assert "Please fix the fields marked below." in text(page)
    assert not Order.objects.exists()


def test_a_service_that_is_no_longer_offered_is_refused(logged_in, shop):
    service = svc(shop, 1)
    Service.objects.filter(pk=service.pk).update(is_active=False)

    page = logged_in.get(reverse("orders:new"), {"service": service.pk}).content.decode()
    response = post_new(logged_in, service, {"link": "https://x.test/a", "quantity": "100"})

    assert "no longer offered" in text(page)
    assert 'id="order-form"' not in page
    assert "no longer offered" in text(response.content.decode())
    assert not Order.objects.exists()


def test_the_same_form_sent_twice_places_one_order(
    logged_in, shop, django_capture_on_commit_callbacks
):
    data = {
        "service": str(svc(shop, 1).pk),
        "client_ref": str(uuid.uuid4()),
        "link": "https://x.test/twice",
        "quantity": "100",
    }

    with django_capture_on_commit_callbacks(execute=False):
        first = logged_in.post(reverse("orders:new"), data)
        second = logged_in.post(reverse("orders:new"), data)

    order = Order.objects.get()
    assert str(order.client_ref) == data["client_ref"]
    assert first["Location"] == second["Location"] == reverse("orders:detail", args=[order.pk])


# ---- The live estimate ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("remote_id", "values", "cost", "breakdown"),
    [
        (1, {"link": "https://x.test/a", "quantity": "1000"}, "0.90", "1,000 × 0.90 per 1000"),
        (1, {"quantity": "1500"}, "1.35", "1,500 × 0.90 per 1000"),
        (6, {"link": "https://x.test/a"}, "2.50", "One package"),
        (8, {"comments": "a\nb"}, "3.50", "One package"),
        (2, {"comments": "\n".join(f"comment {n}" for n in range(12))}, "0.096",
         "12 comments × 8.00 per 1000"),
        (7, {"comments": "one\r\n\r\ntwo\r\nthree"}, "0.036", "3 comments × 12.00 per 1000"),
        (11, {"usernames": "a\nb\nc\nd"}, "0.024", "4 usernames × 6.00 per 1000"),
        (3, {"quantity": "200", "runs": "5", "interval": "10"}, "1.20",
         "5 runs × 200 = 1,000 × 1.20 per 1000"),
        (19, {"quantity": "1000", "runs": "3", "interval": "10"}, "0.0375",
         "3 runs × 1,000 = 3,000 × 0.0125 per 1000"),
        (17, {"username": "acc", "min": "50", "max": "100", "posts": "10"}, "0.30",
         "Reserved: up to 100 per post × 10 posts × 0.30 per 1000"),
        (17, {"username": "acc", "min": "50", "max": "100"}, "—",
         "No upper bound without a number of posts: up to 0.03 USD per new post"),
        (1, {"link": "https://x.test/a"}, "—", "Enter a quantity to see the cost."),
    ],
)  # fmt: skip
def test_the_estimate_follows_the_pricing_rules(
    logged_in, shop, remote_id, values, cost, breakdown
):
    page = estimate(logged_in, svc(shop, remote_id), values)

    assert cost_shown(page) == cost
    assert breakdown in text(page)


def test_the_estimate_counts_lines_and_shows_limits_and_problems_as_you_type(logged_in, shop):
    comments = svc(shop, 7)  # 5 to 1000 comments

    page = estimate(logged_in, comments, {"link": "", "comments": "one\ntwo\n\nthree"})

    assert hint(page, "comments").startswith("3 comments")
    assert "3 comments given, the service's minimum is 5." in hint(page, "comments")
    assert "Min 5 · max 1,000" in hint(page, "comments")
    assert 'id="hint-comments" hx-swap-oob="true"' in page
    # An empty field is not scolded while typing; it is listed as still needed.
    assert "Required" not in hint(page, "link")
    assert "Still needed: Link." in text(page)


def test_the_estimate_shows_the_drip_feed_total(logged_in, shop):
    page = estimate(logged_in, svc(shop, 3), {"quantity": "250", "runs": "4", "interval": "15"})

    assert "Total 1,000 over 4 runs." in hint(page, "quantity")


def test_it_warns_when_the_balance_will_not_cover_the_order(logged_in, shop):
    read = timezone.now() - timedelta(minutes=3)
    Panel.objects.filter(pk=shop.pk).update(balance=Decimal("0.50"), balance_checked_at=read)
    service = svc(shop, 1)

    short = estimate(logged_in, service, {"link": "https://x.test/a", "quantity": "1000"})
    enough = estimate(logged_in, service, {"link": "https://x.test/a", "quantity": "500"})

    assert 'data-warning="balance"' in short
    assert (
        "Sim Shop has 0.50 USD left (read 3 minutes ago): not enough for 0.90 USD (0.40 USD short)."
        in text(short)
    )
    assert 'data-warning="balance"' not in enough


def test_it_says_when_the_balance_was_never_checked(logged_in, shop):
    Panel.objects.filter(pk=shop.pk).update(balance=None)

    page = estimate(logged_in, svc(shop, 1), {"link": "https://x.test/a", "quantity": "100"})

    assert "The balance of Sim Shop has not been checked yet" in text(page)


def _order(
    panel: Panel, service: Service, link: str, state: str, status: str = "", **fields: object
) -> Order:
    return Order.objects.create(
        panel=panel,
        service=service,
        order_type=service.type,
        link=link,
        quantity=100,
        state=state,
        status=status,
        **fields,
    )


@pytest.mark.parametrize(
    ("state", "status", "warned"),
    [
        (State.QUEUED, "", True),
        (State.SUBMITTING, "", True),
        (State.UNKNOWN, "", True),
        (State.PLACED, Status.IN_PROGRESS, True),
        (State.PLACED, Status.PENDING, True),
        (State.PLACED, Status.COMPLETED, False),
        (State.PLACED, Status.CANCELED, False),
        (State.REJECTED, "", False),
        (State.NOT_PLACED, "", False),
    ],
)
def test_it_warns_about_an_active_order_for_the_same_link(logged_in, shop, state, status, warned):
    service = svc(shop, 1)
    existing = _order(
        shop,
        service,
        "https://x.test/dup",
        state,
        status,
        remote_id="99" if state == State.PLACED else None,
    )

    page = estimate(logged_in, service, {"link": "https://x.test/dup", "quantity": "100"})

    assert ('data-warning="duplicate"' in page) is warned
    if warned:
        assert f'href="{reverse("orders:detail", args=[existing.pk])}"' in page
        assert "An order for this link may still be active on Sim Shop" in text(page)


def test_the_duplicate_warning_is_per_panel_and_per_link(logged_in, shop, entry_sim):
    other = panel_create(name="Other", api_url=entry_sim.api_url(), api_key="k")
    catalog_sync(panel=other)
    _order(other, svc(other, 1), "https://x.test/dup", State.QUEUED)
    _order(shop, svc(shop, 1), "https://x.test/other", State.QUEUED)

    page = estimate(logged_in, svc(shop, 1), {"link": "https://x.test/dup", "quantity": "100"})

    assert 'data-warning="duplicate"' not in page


def test_a_subscription_is_a_duplicate_by_username(logged_in, shop):
    service = svc(shop, 17)
    _order(shop, service, "", State.QUEUED, params={"username": "acc", "min": "50"})

    page = estimate(logged_in, service, {"username": "@acc", "min": "50", "max": "60"})

    assert "An order for this username may still be active" in text(page)


# ---- Picking a service ----------------------------------------------------------------------


def test_the_page_and_its_htmx_parts_are_cached_apart(logged_in, shop):
    response = logged_in.get(reverse("orders:new"), {"q": "poll votes"})

    assert "HX-Request" in response["Vary"]


def test_the_picker_searches_every_panel(logged_in, shop):
    response = logged_in.get(
        reverse("orders:service_picker"), {"q": "poll votes"}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert page.count('class="picker-item"') == 2
    assert "Telegram Poll Votes" in page
    assert "X (Twitter) Poll Votes" in page
    poll = svc(shop, 33)
    assert f'href="/orders/new/?service={poll.pk}"' in page  # works without JS too
    assert f'hx-get="/orders/new/fields/?service={poll.pk}"' in page


def test_the_picker_works_without_javascript(logged_in, shop):
    page = logged_in.get(reverse("orders:new"), {"q": "spotify plays"}).content.decode()

    assert "Spotify Plays [Premium]" in page
    assert "Pick a service to start" in page


def test_picking_a_service_swaps_in_its_form_and_keeps_the_link(logged_in, shop):
    service = svc(shop, 7)

    response = logged_in.get(
        reverse("orders:form_fields"),
        {"service": service.pk, "link": "https://x.test/kept", "quantity": "300"},
        HTTP_HX_REQUEST="true",
    )

    page = response.content.decode()
    assert response["HX-Push-Url"] == f"/orders/new/?service={service.pk}"
    assert field_names(page) == {"link", "comments"}
    assert 'value="https://x.test/kept"' in page
    assert 'id="service-results" class="picker-results" hx-swap-oob="true"' in page


def test_place_again_starts_from_the_earlier_orders_values(logged_in, shop):
    service = svc(shop, 7)
    rejected = _order(
        shop,
        service,
        "https://x.test/again",
        State.REJECTED,
        params={"comments": "one\ntwo", "order_style": "fast"},
    )

    page = logged_in.get(reverse("orders:new"), {"from": rejected.pk}).content.decode()

    assert f'name="service" value="{service.pk}"' in page
    assert 'value="https://x.test/again"' in page
    assert ">\none\ntwo</textarea>" in page
    assert ">\norder_style=fast</textarea>" in page
    assert f"order #{rejected.pk}" in text(page)


# ---- Guards ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "new"), ("post", "new"), ("get", "service_picker"), ("get", "form_fields"),
     ("post", "estimate")],
)  # fmt: skip
def test_login_is_required(client, method, name):
    url = reverse(f"orders:{name}")

    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["new", "estimate"])
def test_posts_need_the_csrf_token(user, shop, name):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    response = client.post(
        reverse(f"orders:{name}"),
        {"service": svc(shop, 1).pk, "link": "https://x.test/a", "quantity": "100"},
    )

    assert response.status_code == 403
    assert not Order.objects.exists()


def test_panel_text_is_escaped(logged_in, shop):
    service = svc(shop, 1)
    Service.objects.filter(pk=service.pk).update(
        name=f"Likes {EVIL}", description=EVIL, category=EVIL
    )
    Panel.objects.filter(pk=shop.pk).update(name=f"Shop {EVIL}")

    pages = [
        logged_in.get(reverse("orders:new"), {"service": service.pk}).content.decode(),
        logged_in.get(reverse("orders:service_picker"), {"q": "Likes"}).content.decode(),
        estimate(logged_in, service, {"link": EVIL, "quantity": "100"}),
    ]

    for page in pages:
        assert EVIL not in page
        assert EVIL_ESCAPED in page


def test_the_duplicate_warning_compares_normalised_links(logged_in, shop):
    service = svc(shop, 1)
    existing = _order(shop, service, "https://x.test/dup", State.QUEUED)

    typed = "HTTPS://www.X.test/dup/?utm_source=ig&fbclid=abc#top"
    page = estimate(logged_in, service, {"link": typed, "quantity": "100"})

    assert 'data-warning="duplicate"' in page
    assert f'href="{reverse("orders:detail", args=[existing.pk])}"' in page


@pytest.mark.parametrize(("quantity", "cost"), [("1,5", "—"), ("1.5", "—"), ("1,00", "—"),
                                                ("1,000", "0.90"), ("1 000", "0.90")])  # fmt: skip
def test_the_estimate_never_reads_a_decimal_comma_as_thousands(logged_in, shop, quantity, cost):
    page = estimate(logged_in, svc(shop, 1), {"link": "https://x.test/a", "quantity": quantity})

    assert cost_shown(page) == cost
    if cost == "—":
        assert "Enter a whole number" in hint(page, "quantity")


def test_a_javascript_link_is_refused_and_nothing_is_queued(logged_in, shop):
    response = post_new(
        logged_in, svc(shop, 1), {"link": "\x01 javascript:alert(1)", "quantity": "100"}
    )

    assert response.status_code == 200
    assert "never sent to a panel" in hint(response.content.decode(), "link")
    assert not Order.objects.exists()
