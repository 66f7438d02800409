"""CSV cells: formulas neutralised, money exact, times local; the lines a streaming response
sends."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from orders.exports import BOM, csv_cell, csv_lines, neutralise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (
            '=HYPERLINK("http://evil.example","click")',
            '\'=HYPERLINK("http://evil.example","click")',
        ),
        ("https://instagram.com/p/=1", "https://instagram.com/p/=1"),  # only the start counts
        ("a=1", "a=1"),
        (" =1", " =1"),  # a leading space makes it text already
        ("", ""),
        ("'already", "'already"),
    ],
)
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (True, "yes"),
        (False, "no"),
        (0, "0"),
        (-5, "-5"),  # our own numbers stay numbers
        (1234567, "1234567"),
        (Decimal("1.500000000000"), "1.50"),
        (Decimal("0.001250000000"), "0.00125"),
        (Decimal("1000"), "1000.00"),
        (Decimal("-2.5"), "-2.50"),
        (Decimal("0.000000000001"), "0.000000000001"),
        (Decimal("12345678901.123456789012"), "12345678901.123456789012"),
        (Decimal("NaN"), ""),
        ("=cmd", "'=cmd"),
        ("plain", "plain"),
    ],
)
def test_csv_cell(value: object, expected: str) -> None:
    assert csv_cell(value) == expected


def test_times_are_local_to_the_second_with_their_offset() -> None:
    moment = datetime(2025, 3, 1, 12, 30, 45, 123456, tzinfo=UTC)
    with timezone.override("Europe/Berlin"):
        assert csv_cell(moment) == "2025-03-01 13:30:45+01:00"
    assert csv_cell(datetime(2025, 3, 1, 8, 0)) == "2025-03-01 08:00:00"


def test_csv_lines_stream_a_header_and_quoted_rows() -> None:
    lines = list(
        csv_lines(
            ["Order", "Link", "=Evil header"],
            [(1, 'say "hi",\nbye', Decimal("0.10")), (2, "@x", None)],
        )
    )

    assert lines[0].startswith(BOM)
    assert len(lines) == 3
    rows = list(csv.reader(io.StringIO("".join(lines)[1:])))
    assert rows == [
        ["Order", "Link", "'=Evil header"],
        ["1", 'say "hi",\nbye', "0.10"],
        ["2", "'@x", ""],
    ]


def test_csv_lines_are_lazy() -> None:
    def rows():
        yield (1,)
        raise AssertionError("read too far")

    lines = csv_lines(["Order"], rows())
    assert next(lines) == f"{BOM}Order\r\n"
    assert next(lines) == "1\r\n"
