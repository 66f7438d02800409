"""Modules stay small enough to read in one sitting: split one before it passes 400 lines."""

from __future__ import annotations

import statistics
from pathlib import Path

from tests.layout import PACKAGES

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 400


def _modules() -> dict[str, int]:
    return {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    }


def test_no_module_passes_400_lines() -> None:
    sizes = _modules()
    assert len(sizes) > 100  # the walk found the project
    assert {name: lines for name, lines in sizes.items() if lines > LIMIT} == {}


def test_the_median_module_stays_small() -> None:
    assert statistics.median(_modules().values()) <= 150
