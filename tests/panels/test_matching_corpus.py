"""The matching corpus (tests/panels/matching_corpus.py): every name read as expected, every
offer's names paired, and no two different offers ever paired."""

from __future__ import annotations

from itertools import combinations

import pytest

from panels.matching import describe, group_catalog, mismatch_reason, same_offer

from .matching_corpus import (
    MUST_NOT_MATCH,
    OFFERS,
    UNRECOGNISED,
    Entry,
    Offer,
    all_entries,
    entry_named,
    service,
)

ENTRIES = all_entries()


def _id(entry: Entry) -> str:
    return f"{entry.name} [{entry.category}]" if entry.category else entry.name


@pytest.mark.parametrize(("entry", "offer"), ENTRIES, ids=[_id(e) for e, _ in ENTRIES])
def test_each_name_reads_as_expected(entry: Entry, offer: Offer | None) -> None:
    signature = describe(service(entry, 1))
    if offer is None:
        assert signature.key is None, f"read as {signature.label}, should stay unrecognised"
        assert signature.problem
    else:
        assert signature.key == offer.key, signature.problem or signature.label


@pytest.mark.parametrize(
    "offer", OFFERS, ids=[f"{o.platform}-{o.kind}-{o.type}-{'+'.join(o.audience)}" for o in OFFERS]
)
def test_the_names_of_one_offer_are_paired(offer: Offer) -> None:
    services = [service(entry, n) for n, entry in enumerate(offer.entries)]
    for a, b in combinations(services, 2):
        assert same_offer(a, b) is not None, mismatch_reason(a, b)
    assert list(group_catalog(services)) == [offer.key]


@pytest.mark.parametrize(
    ("a", "b", "why"),
    MUST_NOT_MATCH,
    ids=[f"{a[0]} ~ {b[0]} ({why})" for a, b, why in MUST_NOT_MATCH],
)
def test_near_misses_are_never_paired(a: tuple[str, str], b: tuple[str, str], why: str) -> None:
    first, second = service(entry_named(*a), 1), service(entry_named(*b), 2)
    assert same_offer(first, second) is None, why
    assert same_offer(second, first) is None, why


def test_no_two_different_offers_are_paired_anywhere_in_the_corpus() -> None:
    services = [service(entry, n) for n, (entry, _) in enumerate(ENTRIES)]
    expected = {
        s.id: offer.key if offer else None for s, (_, offer) in zip(services, ENTRIES, strict=True)
    }
    wrong = [
        (a.name, b.name)
        for a, b in combinations(services, 2)
        if (expected[a.id] is None or expected[a.id] != expected[b.id]) and same_offer(a, b)
    ]
    assert wrong == []
    for key, members in group_catalog(services).items():
        assert {expected[s.id] for s in members} == {key}


def test_the_corpus_is_big_and_covers_the_reviewed_cases() -> None:
    assert len(ENTRIES) >= 200
    assert len(UNRECOGNISED) >= 20
    names = " ".join(e.name + " " + e.category for e, _ in ENTRIES)
    for needle in ("Server 7", "s2", "SV3", "Pengikut", "Lượt thích", "VIET NAM", "Auto Refill"):
        assert needle in names
    for needle in ("Shopee", "Likee", "Tokopedia", "👍", "🤮", "❤️", "😂", "😮", "😢", "😡"):
        assert needle in names
    # Every must-not-match side names a corpus entry (entry_named raises otherwise).
    for a, b, _ in MUST_NOT_MATCH:
        entry_named(*a), entry_named(*b)
