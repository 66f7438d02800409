"""The load test's users: log in through the form, then browse the order pages like a person.

Used by benchmarks/load.py; not a benchmark of its own.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

KINDS = ("list", "filter", "search", "detail", "poll")
STATUSES = ("pending", "in_progress", "processing", "completed", "partial", "canceled")
STATES = ("placed", "rejected", "queued", "unknown")
SORTS = ("created", "-charge", "charge", "-quantity", "quantity")
SOURCES = ("form", "csv", "mass")
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DETAIL_RE = re.compile(r'href="/orders/(\d+)/"')


@dataclass
class Shared:
    base: str
    facts: dict
    deadline: float
    max_requests: int
    think: float
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    samples: list[tuple[str, float, bool]] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


def session_for(base: str):
    import requests

    session = requests.Session()
    # What the TLS proxy in front of production adds.
    session.headers.update({"X-Forwarded-Proto": "https", "User-Agent": "smm-load-test/1"})
    return session


def log_in(session, base: str, username: str, password: str) -> None:
    page = session.get(base + "/accounts/login/", timeout=30, allow_redirects=False)
    if page.status_code != 200:
        raise RuntimeError(f"login page answered {page.status_code} {page.headers.get('Location')}")
    token = TOKEN_RE.search(page.text)
    if token is None:
        raise RuntimeError("no CSRF token on the login page")
    host = urlsplit(base).netloc
    answer = session.post(
        base + "/accounts/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": username, "password": password},
        # Over https Django checks that a form was posted from its own pages.
        headers={"Referer": f"https://{host}/accounts/login/"},
        timeout=60,
        allow_redirects=False,
    )
    if answer.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"{username}: login answered {answer.status_code}")


def next_request(rng: random.Random, facts: dict, seen: list[str]) -> tuple[str, str, dict]:
    """(kind, path, extra headers): what a person on the order pages does next."""
    kind = rng.choices(KINDS, weights=(30, 25, 10, 30, 5))[0]
    if kind == "list":
        page = 1 if rng.random() < 0.6 else rng.randint(2, 40)
        return kind, "/orders/" if page == 1 else f"/orders/?page={page}", {}
    if kind == "filter":
        choices = {
            "panel": lambda: str(rng.choice(facts["panels"])),
            "status": lambda: rng.choice(STATUSES),
            "state": lambda: rng.choice(STATES),
            "sort": lambda: rng.choice(SORTS),
            "source": lambda: rng.choice(SOURCES),
            "attention": lambda: "yes",
        }
        names = rng.sample(sorted(choices), rng.randint(1, 3))
        query = "&".join(f"{name}={choices[name]()}" for name in sorted(names))
        return kind, f"/orders/?{query}", {}
    if kind == "search":
        term = rng.choice(facts["links"] if rng.random() < 0.5 else facts["remote_ids"])
        return kind, f"/orders/?q={term}", {}
    if kind == "detail":
        pk = rng.choice(seen) if seen else str(rng.randint(facts["first_pk"], facts["last_pk"]))
        return kind, f"/orders/{pk}/", {}
    # The list's rows ask for themselves again while a visible order may still change.
    status = rng.choice(("pending", "in_progress", "processing"))
    headers = {"HX-Request": "true", "HX-Trigger": "order-results"}
    return kind, f"/orders/?state=placed&status={status}", headers


def user(shared: Shared, session, seed: int) -> None:
    import requests

    rng = random.Random(seed)
    seen: list[str] = []
    while not shared.stop.is_set():
        kind, path, headers = next_request(rng, shared.facts, seen)
        started = time.perf_counter()
        try:
            answer = session.get(
                shared.base + path, headers=headers, timeout=30, allow_redirects=False
            )
            ok, problem, body = answer.status_code == 200, str(answer.status_code), answer.text
        except requests.RequestException as exc:
            ok, problem, body = False, type(exc).__name__, ""
        ms = (time.perf_counter() - started) * 1000
        with shared.lock:
            if len(shared.samples) >= shared.max_requests or time.monotonic() > shared.deadline:
                shared.stop.set()
                return
            shared.samples.append((kind, ms, ok))
            if not ok:
                shared.failures[f"{kind}: {problem}"] += 1
                if len(shared.examples) < 5:
                    shared.examples.append(f"{path} -> {problem}")
        if ok and kind in ("list", "filter", "search"):
            seen = DETAIL_RE.findall(body) or seen
        shared.stop.wait(rng.uniform(0, 2 * shared.think))


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not values:
        return 0.0
    return values[max(0, math.ceil(q / 100 * len(values)) - 1)]
