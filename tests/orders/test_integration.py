"""Orders end to end: a real Celery worker and a real `celery beat` over Redis and PostgreSQL.

Three simulated panels, 200 orders of every type placed through the service layer; the worker
sends them and beat's status sync follows them until every one is final. Then the panels'
ledgers and ours must match one to one: no order lost, none duplicated, charges equal.

Beat is the real thing, `celery beat` in a subprocess on the same settings with 1-2 second
intervals (it proved reliable: 200 orders are final in about 10 s). It only publishes messages to
Redis; the in-process worker (4 threads) runs them against the test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_failure
from django.conf import settings as django_settings
from django.core.cache import cache
from django.db import connection

from dashboard.celery import app as celery_app
from orders import tasks
from orders.models import Order
from orders.services import order_create
from panels.api.normalise import Status
from panels.api.order_types import FLAT, ORDER_TYPES, PER_LINE, SUBSCRIPTION
from panels.models import Panel, Service
from panels.services import catalog_sync, panel_create
from simulator import start_simulator

ROOT = Path(__file__).resolve().parents[2]
KEY = "integration-key"
CATALOGS = ("base", "alt1", "alt2")
ORDER_COUNT = 200
STAGE_SECONDS = 0.5
BALANCE = Decimal("100000")
TIMEOUT = 90.0
CENT = Decimal("0.00001")  # panels show money with five decimals
# Every order type of the protocol; "dripfeed" is a Default order with runs and an interval.
KINDS = (
    "default",
    "dripfeed",
    "package",
    "seo",
    "custom_comments",
    "custom_comments_package",
    "mentions",
    "mentions_with_hashtags",
    "mentions_custom_list",
    "mentions_hashtag",
    "mentions_user_followers",
    "mentions_media_likers",
    "comment_likes",
    "comment_replies",
    "poll",
    "invites_from_groups",
    "subscriptions",
)


@pytest.fixture
def simulators(tmp_path):
    sims = [
        start_simulator(
            state_dir=tmp_path / f"sim-{name}",
            keys=(KEY,),
            catalog=name,
            stage_seconds=STAGE_SECONDS,
            balance=BALANCE,
        )
        for name in CATALOGS
    ]
    yield sims
    for sim in sims:
        sim.stop()


@pytest.fixture
def panels(simulators, transactional_db):
    found = []
    for name, sim in zip(CATALOGS, simulators, strict=True):
        panel = panel_create(name=f"Panel {name}", api_url=sim.api_url(), api_key=KEY)
        catalog_sync(panel=panel)
        found.append(panel)
    return found


@pytest.fixture
def worker(settings, transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker's threads share the test database")
    settings.PANEL_HTTP_BACKOFF = 0.01  # the worker runs in this process and reads these
    # Redis db of this test: no dispatch slots or messages left over from an interrupted run.
    cache.clear()
    celery_app.control.purge()
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=4,
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=30,
    ):
        yield


@pytest.fixture
def beat(tmp_path, transactional_db):
    """A real `celery beat` on the same settings, with short intervals."""
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),  # the test database
        "REDIS_URL": django_settings.REDIS_URL,
        "VAR_DIR": str(tmp_path / "beat-var"),
        "DJANGO_READ_DOT_ENV": "0",
        "STATUS_SYNC_INTERVAL": "1",
        "DISPATCH_SWEEP_INTERVAL": "2",
        "REAPER_INTERVAL": "5",
    }
    log_path = tmp_path / "beat.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "dashboard.celery",
                "beat",
                "--loglevel",
                "INFO",
                "--schedule",
                str(tmp_path / "beat-schedule"),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    process.log_path = log_path
    yield process
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def task_failures():
    failures: list[str] = []

    def record(sender=None, exception=None, **kwargs):
        failures.append(f"{sender.name}: {exception!r}")

    task_failure.connect(record, weak=False)
    yield failures
    task_failure.disconnect(record)


def _database_url(db: dict) -> str:
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{quote(db['NAME'], safe='')}"


def _lines(prefix: str, count: int) -> str:
    return "\n".join(f"{prefix}{i}" for i in range(count))


def order_values(service: Service, kind: str, n: int) -> dict[str, object]:
    """Valid values of one order of this kind on this service; `n` keeps links distinct."""
    low, high = service.min_quantity or 1, service.max_quantity or service.min_quantity or 1

    def amount(wanted: int) -> int:
        return min(max(low, wanted), high)

    values: dict[str, object] = {"link": f"https://example.com/{service.panel_id}/{kind}/{n}"}
    quantity = amount(100 + 10 * (n % 7))
    if kind == "subscriptions":
        return {
            "username": f"@user_{service.panel_id}_{n}",
            "min": low,
            "max": amount(low * 2),
            "posts": 2,
            "delay": 0,
        }
    if kind == "dripfeed":
        values.update(quantity=quantity, runs=2 + n % 3, interval=5)
    elif kind == "package":
        pass  # the link is all a package takes
    elif kind == "custom_comments_package":
        values["comments"] = _lines(f"Nice post {n}, #", 3)  # flat: any number of lines
    elif kind in ("custom_comments", "comment_replies", "mentions_custom_list"):
        field = "usernames" if kind == "mentions_custom_list" else "comments"
        values[field] = _lines(f"item {n} #", amount(3 + n % 4))
        if kind == "comment_replies":
            values["username"] = f"owner_{n}"
    else:
        values["quantity"] = quantity
        extra = {
            "seo": {"keywords": "buy followers\nsmm panel"},
            "mentions": {"usernames": "alice\nbob\ncarol"},
            "mentions_with_hashtags": {"usernames": "alice\nbob", "hashtags": "#one\n#two"},
            "mentions_hashtag": {"hashtag": "#trending"},
            "mentions_user_followers": {"username": "celebrity"},
            "mentions_media_likers": {"media": f"https://example.com/media/{n}"},
            "comment_likes": {"username": "commenter"},
            "poll": {"answer_number": 1 + n % 3},
            "invites_from_groups": {"groups": "group_one\ngroup_two"},
        }
        values.update(extra.get(kind, {}))
    return values


def pick_service(panel: Panel, kind: str, n: int) -> Service:
    services = Service.objects.filter(panel=panel, is_active=True).order_by("remote_id")
    if kind == "dripfeed":
        services = services.filter(type="default", dripfeed=True)
    else:
        services = services.filter(type=kind)
    found = list(services)
    assert found, f"{panel.name} has no service for {kind}"
    return found[n % len(found)]


def sent_fields(order: Order) -> dict[str, str]:
    """The fields `add` must have carried for this order (besides key and action)."""
    fields = {"service": order.service.remote_id}
    if order.link:
        fields["link"] = order.link
    for name in ("quantity", "runs", "interval"):
        if getattr(order, name) is not None:
            fields[name] = str(getattr(order, name))
    fields.update({k: str(v) for k, v in order.params.items()})
    return fields


def units(order: Order) -> int:
    """What the panel counts as the order's quantity, per the protocol's pricing rules."""
    spec = ORDER_TYPES[order.order_type]
    if order.order_type == "custom_comments_package":
        return len(order.params["comments"].splitlines())  # priced flat, delivers every line
    if spec.pricing == FLAT:
        return 1
    if spec.pricing == SUBSCRIPTION:
        return int(order.params["max"])
    if spec.pricing == PER_LINE:
        return len(order.params[spec.counted_field].splitlines())
    return order.quantity * (order.runs or 1)


def wait_until_final(simulators, beat) -> None:
    deadline = time.monotonic() + TIMEOUT
    while True:
        stray = Order.objects.exclude(
            state__in=[Order.State.QUEUED, Order.State.SUBMITTING, Order.State.PLACED]
        )
        assert not stray.exists(), [(o.pk, o.state, o.last_error) for o in stray[:5]]
        if beat.poll() is not None:
            pytest.fail(f"celery beat exited:\n{beat.log_path.read_text()[-3000:]}")
        final = Order.objects.filter(state=Order.State.PLACED, status__in=Status.FINAL).count()
        if final == ORDER_COUNT:
            return
        if time.monotonic() > deadline:
            seen = Counter(Order.objects.values_list("state", "status"))
            pytest.fail(f"only {final} of {ORDER_COUNT} orders final after {TIMEOUT}s: {seen}")
        for sim in simulators:
            sim.advance(STAGE_SECONDS)  # move the panels' clocks instead of waiting on them
        time.sleep(0.5)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_orders_of_every_type_reach_the_panels_once_and_their_ledgers_match_ours(
    simulators, panels, worker, beat, task_failures
):
    kinds_placed: Counter[str] = Counter()
    for n in range(ORDER_COUNT):
        panel = panels[n % len(panels)]
        kind = KINDS[(n // len(panels)) % len(KINDS)]
        service = pick_service(panel, kind, n)
        order_create(
            service=service, values=order_values(service, kind, n), source=Order.Source.COMMAND
        )
        kinds_placed[kind] += 1
    assert set(kinds_placed) == set(KINDS)

    wait_until_final(simulators, beat)

    ours = list(Order.objects.select_related("service", "panel"))
    assert len(ours) == ORDER_COUNT
    assert all(o.state == Order.State.PLACED and o.remote_id for o in ours)
    partial = 0
    for panel, sim in zip(panels, simulators, strict=True):
        theirs = {o["id"]: o for o in sim.orders()}
        mine = {o.remote_id: o for o in ours if o.panel_id == panel.pk}
        # One to one: nothing lost, nothing placed twice, nothing the panel has that we lack.
        assert len(theirs) == len(mine)
        assert set(theirs) == set(mine)
        for remote_id, order in mine.items():
            remote = theirs[remote_id]
            assert str(remote["service"]) == order.service.remote_id
            assert remote["link"] == (order.link or order.params.get("username"))
            assert remote["fields"] == sent_fields(order), order.pk
            assert remote["quantity"] == units(order), order.pk
            # The price we showed before sending is what the panel charged up front...
            assert order.estimated_cost == Decimal(remote["cost"]), order.pk
            # ...and what it finally charged is what we recorded less the refund it owes
            # (partial orders refund their unfilled share; our charge stays what was taken).
            assert order.status == remote["status"].lower().replace(" ", "_"), order.pk
            final = order.charge - (order.refund or 0)
            assert final == Decimal(remote["charge"]), order.pk
            assert order.remains == remote["remains"], order.pk
            if order.status == Status.PARTIAL:
                partial += 1
                assert order.refund > 0
                assert final < order.estimated_cost
            else:
                assert order.charge == order.estimated_cost.quantize(CENT, ROUND_HALF_UP)
            history = list(order.status_changes.values_list("status", flat=True))
            assert history[0] == Status.PENDING
            assert history[-1] == order.status
        panel.refresh_from_db()
        assert panel.health == Panel.Health.OK, panel.last_error
    assert partial > 0  # the simulator ends every 5th eligible order Partial
    assert task_failures == []


class Recorder:
    def __init__(self) -> None:
        self.calls: list[int] = []

    def delay(self, panel_id: int) -> None:
        self.calls.append(panel_id)


@pytest.mark.django_db(transaction=True)
def test_the_beat_sweeps_enqueue_one_task_per_panel_not_one_per_order(panels, monkeypatch):
    status_sync, dispatch_panel = Recorder(), Recorder()
    monkeypatch.setattr(tasks, "status_sync", status_sync)
    monkeypatch.setattr(tasks, "dispatch_panel", dispatch_panel)
    for panel in panels:
        service = pick_service(panel, "default", 0)
        Order.objects.bulk_create(
            [
                Order(
                    panel=panel,
                    service=service,
                    link=f"https://example.com/{n}",
                    quantity=100,
                    state=Order.State.PLACED,
                    status=Status.PENDING,
                    remote_id=str(n),
                )
                for n in range(5)
            ]
            + [
                Order(panel=panel, service=service, link=f"https://example.com/q{n}", quantity=100)
                for n in range(5)
            ]
        )

    tasks.status_sync_all()
    tasks.dispatch_queued_all()

    assert sorted(status_sync.calls) == sorted(p.pk for p in panels)
    assert sorted(dispatch_panel.calls) == sorted(p.pk for p in panels)
