"""Counts in what people read say "1 order" and "2 orders", never "order(s)"."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A word with "(s)" glued on; "http(s)" is not a plural, nor is a call like `facts(s)`.
HEDGED_PLURAL = re.compile(r"\b(?!https?\()[A-Za-z]+\(s\)")


def test_no_page_message_or_command_output_hedges_a_plural() -> None:
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("static/js/*.js")]
    apps = ("dashboard", "orders", "panels", "simulator")
    files += [p for app in apps for p in (ROOT / app).rglob("*.py")]
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if HEDGED_PLURAL.search(line)
    ]
    assert not found, "use pluralize instead:\n" + "\n".join(found)
