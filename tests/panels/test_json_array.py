"""panels.api.jsonarray: a JSON array read element by element reads as the whole text decodes,
wherever the reads cut it; anything the whole text would not decode as an array is NotJson."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from panels.api import jsonarray
from panels.api.jsonarray import NotJson, array_items, starts_an_array
from panels.api.wire import NOT_JSON, decode_json


def read(text: str | bytes) -> list[object]:
    body = io.BytesIO(text.encode() if isinstance(text, str) else text)
    return list(array_items(body))


@pytest.fixture(autouse=True)
def small_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads of a few bytes, so values are cut everywhere a read can cut them."""
    monkeypatch.setattr(jsonarray, "READ_SIZE", 3)


values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False).map(lambda d: d.normalize())
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300)
@given(st.lists(values, max_size=6), st.sampled_from(["", " ", "\n\t ", "  \r\n"]))
def test_every_element_reads_as_the_whole_text_decodes(elements: list, space: str) -> None:
    text = space + "[" + space + f",{space}".join(json.dumps(e, default=str) for e in elements)
    text += space + "]" + space
    assert read(text) == decode_json(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[]", []),
        ("[12345678901234567890, 0.000000010, -1e3]", [12345678901234567890, Decimal("1.0E-8"),
                                                       Decimal("-1e3")]),
        ('["a\\"b,]", "\\u00e9\\ud83d\\ude00", {"k": [1, {"x": null}]}]',
         ['a"b,]', "é😀", {"k": [1, {"x": None}]}]),
        ("[NaN, Infinity, -Infinity, true, false, null]", None),  # as Python's json reads them
        ("[" + "9" * 5000 + "]", [Decimal("9" * 5000)]),  # past int(): a Decimal, as whole
        ("\ufeff[1]", [1]),
    ],
)  # fmt: skip
def test_values_read_as_a_whole_answer_reads_them(text: str, expected: list | None) -> None:
    found = read(text.encode("utf-8"))
    whole = decode_json(text.encode("utf-8").decode("utf-8-sig"))
    assert repr(found) == repr(whole)
    if expected is not None:
        assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '{"error": "x"}',
        "[1, 2",
        "[1, 2,]",
        "[1 2]",
        "[1, 2] 3",
        "[1, 2]]",
        '[1, "open',
        "[1, {]",
        "[" * 100_000 + "]" * 100_000,
        "[1,, 2]",
        "[tru]",
    ],
)
def test_what_is_not_one_array_is_not_json(text: str) -> None:
    assert decode_json(text) is NOT_JSON or not isinstance(decode_json(text), list)
    with pytest.raises(NotJson):
        read(text)


def test_the_elements_before_a_break_are_read_first() -> None:
    items = array_items(io.BytesIO(b'[1, 2, 3, "cut'))
    assert [next(items), next(items), next(items)] == [1, 2, 3]
    with pytest.raises(NotJson):
        next(items)


def test_one_long_element_is_read_in_growing_steps() -> None:
    long = "x" * 200_000
    assert read(f'[1, "{long}", 2]') == [1, long, 2]


@pytest.mark.parametrize(
    ("body", "array"),
    [(b"[1]", True), (b"\xef\xbb\xbf \n [", True), (b'{"a": 1}', False), (b"", False),
     (b"<html>", False)],
)  # fmt: skip
def test_an_array_is_told_by_its_first_character(body: bytes, array: bool) -> None:
    stream = io.BytesIO(body)
    assert starts_an_array(stream) is array
    assert stream.tell() == 0
