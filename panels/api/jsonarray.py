"""A panel's JSON array answer read one element at a time from its spooled body (no Django
imports; used by panels.api.exchange and the catalog sync).

A 50,000-service catalog is some 25 MB of text and, parsed at once, a few hundred megabytes of
Python objects. Read element by element, only one element (and a buffer of text) is in memory
at a time. Each element is decoded by the same decoder as a whole answer (`wire.JSON`: Decimal
numbers, NaN and Infinity as Python's json reads them), so an entry reads exactly as it would in
a whole answer; a text that is not one JSON array from end to end raises NotJson, as it would
not decode whole either. Python's own json module is enough: `raw_decode` reads one value where
a buffer holds it, and a value read where nothing after it in the buffer ends it is read again
once more text has come, since a number there ("-1", "-1e") may go on.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from panels.api.wire import JSON

READ_SIZE = 64 * 1024
HEAD_SIZE = 64 * 1024  # how far an answer is looked into for its first character
_SPACE = re.compile(r"[ \t\n\r]*")  # what JSON counts as whitespace
_AFTER_VALUE = re.compile(r"[ \t\n\r,\]}]")  # what can end a number


class NotJson(ValueError):
    """The body is not one JSON array: broken, cut short, or followed by more."""


def starts_an_array(body: BinaryIO) -> bool:
    """Whether the body's first character (past a BOM and whitespace) is "["; the body is left
    at its start. (An answer that starts with more whitespace than HEAD_SIZE is read whole.)"""
    head = body.read(HEAD_SIZE)
    body.seek(0)
    return head.decode("utf-8-sig", errors="replace").lstrip(" \t\n\r").startswith("[")


class _Text:
    """The body as text, read on demand into a buffer that forgets what was consumed."""

    def __init__(self, body: BinaryIO) -> None:
        self._body = body
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="replace")
        self.buffer = ""
        self.pos = 0
        self.ended = False

    def more(self, size: int | None = None) -> bool:
        """Read on: False once the body has ended."""
        if self.ended:
            return False
        data = self._body.read(size or READ_SIZE)
        self.ended = not data
        self.buffer = self.buffer[self.pos :] + self._decoder.decode(data, final=self.ended)
        self.pos = 0
        return True

    def skip_space(self) -> str:
        """The next character past whitespace ("" at the end of the body), not consumed."""
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self.more():
                return ""

    def value(self) -> Any:
        """The JSON value at the current position, consumed."""
        size = READ_SIZE
        while True:
            try:
                value, end = JSON.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if not self.more(size):
                    raise NotJson("a value is broken or cut short") from None
                size *= 2  # one long value: read on in ever larger steps
                continue
            except RecursionError:  # nested deeper than Python recurses
                raise NotJson("a value is nested too deeply") from None
            if not _AFTER_VALUE.search(self.buffer, end) and self.more(size):
                continue  # a number at the end of the buffer ("-1", "-1e") may go on
            self.pos = end
            return value


def array_items(body: BinaryIO) -> Iterator[Any]:
    """Each element of the JSON array that is the whole body; NotJson as soon as the body
    turns out not to be one (which may be after some elements were read)."""
    text = _Text(body)
    if text.skip_space() != "[":
        raise NotJson("not a JSON array")
    text.pos += 1
    if text.skip_space() == "]":
        text.pos += 1
    else:
        while True:
            yield text.value()
            after = text.skip_space()
            text.pos += 1
            if after == "]":
                break
            if after != ",":
                raise NotJson("elements are not separated by commas")
            text.skip_space()
    if text.skip_space():
        raise NotJson("there is more after the array")


class SpooledArray:
    """A JSON array answer, undecoded in its spooled body: `items()` reads it once, element by
    element; `close()` lets the body go. `head` is its beginning, for messages."""

    def __init__(self, body: BinaryIO, head: str) -> None:
        self._body = body
        self.head = head

    def items(self) -> Iterator[Any]:
        return array_items(self._body)

    def close(self) -> None:
        self._body.close()
