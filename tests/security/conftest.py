"""Rows for the URL walks to point at, a snapshot of every table, and a clean cache."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from orders.models import BulkAction, BulkItem, Order, Refill, Upload
from orders.services.uploads import upload_check
from panels.models import CatalogSync, Panel, Service


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    """The test client speaks plain http: these tests are about logins, not the https redirect."""
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Hundreds of users are made here; the real hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def clean_cache() -> Iterator[None]:
    """Login failures live in the cache: each test starts and ends with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def rows(db: None) -> dict[str, Any]:
    """One of everything a URL can point at, so that the views get past their 404s."""
    # A closed port: nothing a view might try to reach is ever answered.
    panel = Panel(
        name="Walked", api_url="http://127.0.0.1:9/api/v2", currency="USD", balance=Decimal("100")
    )
    panel.api_key = "walk-key-1234"
    panel.save()
    service = Service.objects.create(
        panel=panel,
        remote_id="1",
        name="Followers",
        rate="0.9",
        min_quantity=10,
        max_quantity=1000,
        refill=True,
        cancel=True,
    )
    order = Order.objects.create(
        panel=panel,
        service=service,
        link="https://x.test/a",
        quantity=100,
        state=Order.State.PLACED,
        remote_id="501",
        status="in_progress",
    )
    refill = Refill.objects.create(order=order, remote_id="7", status="pending")
    bulk = BulkAction.objects.create(kind=BulkAction.Kind.REFILL, total=1, eligible=1)
    BulkItem.objects.create(bulk=bulk, order=order)
    upload = upload_check(
        kind=Upload.Kind.MASS,
        panel=panel,
        user=None,
        data="1 | https://x.test/b | 100\n1 | not a link | 5\n",
    )
    sync = CatalogSync.objects.create(panel=panel)
    return {
        "panel": panel,
        "service": service,
        "order": order,
        "refill": refill,
        "bulk": bulk,
        "upload": upload,
        "sync": sync,
    }
