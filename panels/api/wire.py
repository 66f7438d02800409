"""The bytes on the wire: decoding answers, telling connection failures apart, batching ids.

No Django imports; used by panels.api.client.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO, cast

import requests
from urllib3.exceptions import NewConnectionError

BATCH_SIZE = 100  # the protocol's limit of ids per call

NOT_JSON = object()
CLOUDFLARE_MARKS = ("Just a moment", "cf-chl", "challenge-platform", "Attention Required!")


def _whole_number(text: str) -> int | Decimal:
    """A JSON integer. Past Python's int-from-text limit (4,300 digits) it stays a Decimal, so
    one absurd number is that entry's problem, not a whole answer that cannot be read."""
    return int(text) if len(text) <= 4000 else Decimal(text)


# How every answer is decoded: money stays exact (Decimal), never a float.
JSON = json.JSONDecoder(parse_float=Decimal, parse_int=_whole_number)


def decode_json(text: str) -> Any:
    """Decide by parsing, never by Content-Type: panels label JSON as text/html and vice versa."""
    if not text.strip():
        return NOT_JSON
    try:
        return JSON.decode(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python recurses
        return NOT_JSON


def never_connected(exc: requests.RequestException) -> bool:
    """True when the TCP connection was never established, so no byte of the request left."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.ReadTimeout):
        cause: Any = exc.args[0] if exc.args else None
        cause = getattr(cause, "reason", cause)  # urllib3's MaxRetryError wraps the real error
        return isinstance(cause, NewConnectionError)
    return False


class _TooLarge(Exception):
    pass


def _parts(response: requests.Response, limit: int) -> Iterator[bytes]:
    """The body's (decompressed) parts; _TooLarge once it passes `limit` bytes."""
    try:
        declared = int(response.headers.get("Content-Length", "0"))
    except ValueError:
        declared = 0
    with response:
        if declared > limit:
            raise _TooLarge
        size = 0
        for part in response.iter_content(chunk_size=64 * 1024):
            size += len(part)
            if size > limit:
                raise _TooLarge
            yield part


def read_body(response: requests.Response, limit: int) -> bytes | None:
    """The (decompressed) body of a streamed response, or None when it is over `limit` bytes.

    Reading stops at the limit, so a panel (or anything at its URL) cannot fill the memory.
    """
    try:
        return b"".join(_parts(response, limit))
    except _TooLarge:
        return None


SPOOLED_IN_MEMORY = 1024 * 1024  # a larger body goes on to a temporary file


def spool_body(response: requests.Response, limit: int) -> BinaryIO | None:
    """As `read_body`, into a temporary file (in memory up to SPOOLED_IN_MEMORY bytes), read
    from its start: a catalog of 50,000 services is tens of megabytes of text, which need not
    sit in memory to be read one entry at a time (panels.api.jsonarray)."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOLED_IN_MEMORY)  # noqa: SIM115 - the caller closes it
    try:
        for part in _parts(response, limit):
            spool.write(part)
    except _TooLarge:
        spool.close()
        return None
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return cast(BinaryIO, spool)


def retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def excerpt(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit] + "..."


def chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for raw in ids:
        value = str(raw).strip()
        if not value or "," in value:
            raise ValueError(f"not a usable remote id: {raw!r}")
        batch.append(value)
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


class Secret:
    """Holds the API key so that it shows as *** in repr, tracebacks and debuggers."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "'***'"

    __str__ = __repr__
