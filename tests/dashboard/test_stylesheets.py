"""Our stylesheets parse as written: a block left open (a media query missing its brace, say)
silently moves every rule after it inside, so they apply on phones only, or never."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

STATIC = Path(__file__).resolve().parents[2] / "static" / "css"
SHEETS = sorted(STATIC.glob("*.css"))


def open_blocks(css: str) -> list[int]:
    """The line of every `{` still open at the end, comments and strings left out."""
    css = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), css, flags=re.S)
    css = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', css)
    opened: list[int] = []
    for number, line in enumerate(css.splitlines(), start=1):
        for char in line:
            if char == "{":
                opened.append(number)
            elif char == "}":
                assert opened, f"line {number}: a closing brace with nothing open"
                opened.pop()
    return opened


@pytest.mark.parametrize("sheet", SHEETS, ids=lambda path: path.name)
def test_every_block_is_closed(sheet: Path) -> None:
    assert open_blocks(sheet.read_text()) == []


def test_a_block_left_open_is_found() -> None:
    assert open_blocks("@media (max-width: 640px) {\n  .a { color: red; }\n\n.b { x: 1; }\n") == [1]
    assert open_blocks('.a { content: "{"; }\n/* { */\n') == []


def test_sheets_are_found() -> None:
    assert {path.name for path in SHEETS} >= {"app.css", "admin.css"}
