"""Cross-panel matching over the matching corpus: how much is read, and no wrong pair.

    .venv/bin/python benchmarks/matching.py

Pure Python (no database, no Django): reads every name of tests/panels/matching_corpus.py,
pairs them the way the comparison page does, and counts against the corpus's answers.
Targets: at least 90 % of the names meant to be readable are read; no wrong match (two
entries of different offers paired, or a name meant to stay unrecognised paired at all).
Missed matches (two entries of one offer left apart) are reported, not held to a target:
a miss costs a person a search, a wrong pair buys the wrong product.
"""

from __future__ import annotations

import sys
from itertools import combinations
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import figure
from panels.matching import describe, group_catalog, same_offer
from tests.panels.matching_corpus import all_entries, service

READABLE_TARGET = 0.90


def main() -> int:
    entries = all_entries()
    services = [service(entry, number) for number, (entry, _) in enumerate(entries, start=1)]
    expected = {
        s.id: offer.key if offer else None for s, (_, offer) in zip(services, entries, strict=True)
    }
    meant = [s for s in services if expected[s.id] is not None]
    read = [s for s in meant if describe(s).key is not None]
    read_right = [s for s in read if describe(s).key == expected[s.id]]
    unclear_read = [s for s in services if expected[s.id] is None and describe(s).key is not None]

    wrong: list[tuple[str, str]] = []
    missed = matched = 0
    for a, b in combinations(services, 2):
        same = expected[a.id] is not None and expected[a.id] == expected[b.id]
        found = same_offer(a, b) is not None
        if found and not same:
            wrong.append((a.name, b.name))
        matched += found and same
        missed += same and not found
    # The catalog view groups in one pass; it must agree with the pairwise answer.
    grouped_wrong = sum(
        1
        for members in group_catalog(services).values()
        for a, b in combinations(members, 2)
        if expected[a.id] is None or expected[a.id] != expected[b.id]
    )

    share = len(read) / len(meant)
    print(
        f"corpus: {len(services)} names, {len(meant)} meant to be read, "
        f"{len(services) - len(meant)} meant to stay unrecognised"
    )
    print(f"read: {len(read)} ({share:.1%}), as expected: {len(read_right)}")
    print(f"unclear names read anyway: {len(unclear_read)}")
    print(f"same-offer pairs matched: {matched}, missed: {missed}")
    for a_name, b_name in wrong[:20]:
        print(f"  WRONG: {a_name!r} ~ {b_name!r}")
    for s in meant:
        if describe(s).key is None:
            print(f"  unread: {s.name!r} [{s.category}] ({describe(s).problem})")

    figure(
        "matching corpus: names read (of those meant to be readable)",
        round(share * 100, 1),
        unit="%",
        target="at least 90 %",
        met=share >= READABLE_TARGET,
    )
    if grouped_wrong != len(wrong):
        print(f"  group_catalog pairs {grouped_wrong} wrong entries, same_offer {len(wrong)}")
    figure(
        "matching corpus: wrong matches (pairs of different offers)",
        max(len(wrong), grouped_wrong),
        target="0",
        met=not wrong and not grouped_wrong,
    )
    figure(
        "matching corpus: missed matches (same-offer pairs left apart)",
        missed,
        target="reported only",
        met=True,
    )
    return 0 if share >= READABLE_TARGET and not wrong and not grouped_wrong else 1


if __name__ == "__main__":
    sys.exit(main())
