"""CSV for spreadsheets: typed values to text, and nothing a spreadsheet would run.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is a formula to Excel,
LibreOffice and Google Sheets ("CSV injection"). Text that does gets a leading apostrophe, which
spreadsheets read as "this is text". Numbers we write ourselves (ids, quantities, money) are
left as they are, so a negative number stays a number.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from core.money import money_plain

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel reads UTF-8 (service names with emoji, non-Latin links) only with a byte-order mark.
BOM = "\ufeff"


def neutralise(text: str) -> str:
    """'=1+1' -> "'=1+1": text a spreadsheet would run as a formula, as plain text."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: object) -> str:
    """One value as the text of its cell. Money keeps every digit the panel sent (no float
    rounding, no storage padding); times are local, to the second, with their offset."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return money_plain(value)
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.isoformat(sep=" ", timespec="seconds")
    return neutralise(str(value))


class _Line:
    """A file-like object that hands back what is written to it: csv.writer, one line at a
    time, without a buffer."""

    def write(self, text: str) -> str:
        return text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The CSV text, a line at a time (for a streaming response): a byte-order mark and the
    header first, then one line per row."""
    writer = csv.writer(_Line())
    yield BOM + writer.writerow([neutralise(name) for name in header])
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])
