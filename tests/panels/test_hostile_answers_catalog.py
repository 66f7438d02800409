"""Property: whatever a panel puts in the fields of its `services` entries, the catalog sync
never raises, ends its run, stores only values that fit their columns, and stores every
well-formed entry listed next to the broken ones."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import pytest
import responses
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from panels.api.order_types import ORDER_TYPES
from panels.models import CatalogSync, Service
from panels.services import catalog_sync, panel_create

URL = "https://property.example/api/v2"
FIELDS = (
    "service",
    "name",
    "type",
    "category",
    "rate",
    "min",
    "max",
    "refill",
    "cancel",
    "dripfeed",
    "refill_time",
    "description",
)

# Values real panels (and hostile ones) send: numbers as text, decimal commas, exponents,
# values just past a column's limit, NUL characters, very long texts.
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1,50",
        "1,234",
        "1.234,56",
        "1e309",
        "-1e309",
        "1e-309",
        "NaN",
        "Infinity",
        str(10**12),
        str(10**12 - 1),
        str(2**31),
        str(2**63 - 1),
        str(2**63),
        "10.5",
        "0.0000000000001",
        "999999999999.9999999999999",
        "\x00",
        "a\x00b",
        "x" * 700,
        "\u202e",
        "Instagram Followers",
        "Custom Comments",
        "true",
        "yes",
        "null",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.sampled_from([Decimal("1E+309"), Decimal("-1E+309"), Decimal("1E-400"), Decimal("-0")])
    | st.sampled_from([math.nan, math.inf, -math.inf])
    | st.text(max_size=30)
    | NASTY_TEXT
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


def dump(value: object) -> str:
    """JSON text as a panel sends it: Decimals as bare numbers (1E+309), NaN as NaN."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(v) for v in value) + "]"
    return json.dumps(value)


def good(n: int) -> dict[str, object]:
    return {
        "service": f"good-{n}",
        "name": f"Instagram Followers {n}",
        "type": "Default",
        "category": "Instagram",
        "rate": f"{n}.25",
        "min": "10",
        "max": "5000",
        "refill": True,
        "cancel": False,
        "dripfeed": False,
        "refill_time": "30",
        "description": "Fast",
    }


@st.composite
def hostile_entries(draw: st.DrawFn) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON_VALUES)  # not even an object
    entry: dict[str, object] = {**good(0), "service": f"bad-{draw(st.integers(0, 5))}"}
    broken = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True))
    for name in broken:
        if draw(st.booleans()):
            entry[name] = draw(JSON_VALUES)
        else:
            del entry[name]
    return entry


@st.composite
def answers(draw: st.DrawFn) -> list[object]:
    goods = [good(n) for n in range(draw(st.integers(1, 3)))]
    bads = draw(st.lists(hostile_entries(), min_size=1, max_size=5))
    order = draw(st.permutations(goods + bads))
    return list(order)


@pytest.mark.django_db
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=answers(), synced_before=st.booleans())
def test_no_answer_breaks_the_catalog_sync(entries, synced_before, settings):
    settings.PANEL_HTTP_RETRIES = 0
    with transaction.atomic():  # each example starts from an empty database
        panel = panel_create(name="Property", api_url=URL, api_key="property-key")
        with responses.RequestsMock() as mock:
            if synced_before:  # a previous catalog, so changes and events are computed too
                previous = [{**good(n), "rate": "0.000000000001"} for n in range(3)]
                mock.add(responses.POST, URL, body=json.dumps(previous))
                catalog_sync(panel=panel)
            mock.add(responses.POST, URL, body=dump(entries), content_type="application/json")
            run = CatalogSync.objects.create(panel=panel)
            catalog_sync(panel=panel, run=run)  # never raises

        run.refresh_from_db()
        assert run.state == CatalogSync.State.DONE
        assert run.services_seen + run.skipped == len(entries)
        assert len(run.notes) <= 50
        assert all(isinstance(note, str) and note for note in run.notes)

        stored = {s.remote_id: s for s in Service.objects.filter(panel=panel, is_active=True)}
        for n in (n for n in range(3) if good(n) in entries):
            assert stored[f"good-{n}"].rate == Decimal(f"{n}.25")
            assert stored[f"good-{n}"].name == f"Instagram Followers {n}"
        for service in Service.objects.filter(panel=panel):
            assert 0 < len(service.remote_id) <= 100
            assert "\x00" not in service.remote_id + service.name + service.description
            assert len(service.name) <= 500
            assert len(service.category) <= 300
            assert len(service.raw_type) <= 100
            assert service.type in ORDER_TYPES
            assert 0 <= service.rate < 10**12
            assert 0 <= service.min_quantity <= 2**63 - 1
            assert 0 <= service.max_quantity <= 2**63 - 1
            assert service.refill_days is None or 0 < service.refill_days <= 2**31 - 1
        transaction.set_rollback(True)
