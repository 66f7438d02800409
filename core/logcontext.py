"""Log lines that say which panel, order, bulk action or upload they are about.

    with log_context(panel_id=panel.pk):
        ...                    # every log line in here, from any module, carries panel_id

The fields live in a context variable and are copied onto every LogRecord by a record factory
(installed by DashboardConfig.ready), so third-party lines, the client's retries and Celery's
own lines inside a task all carry them. Two formatters print them: `PlainFormatter` for a
terminal and `JsonFormatter` (LOG_FORMAT=json) for a log collector.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

FIELDS = ("panel_id", "order_id", "bulk_id", "upload_id", "alert_id")
_current: ContextVar[dict[str, object]] = ContextVar("log_context", default={})  # noqa: B039


@contextmanager
def log_context(**fields: object) -> Iterator[None]:
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown log fields: {', '.join(sorted(unknown))}")
    merged = {**_current.get(), **{k: v for k, v in fields.items() if v is not None}}
    token = _current.set(merged)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> dict[str, object]:
    return dict(_current.get())


def install() -> None:
    """Copy the context onto every record created from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "adds_log_context", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        context = _current.get()
        for name in FIELDS:
            setattr(record, name, context.get(name))
        return record

    make_record.adds_log_context = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def _context_of(record: logging.LogRecord) -> dict[str, object]:
    return {name: value for name in FIELDS if (value := getattr(record, name, None)) is not None}


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger: message [panel_id=3 order_id=17]`."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        context = _context_of(record)
        if not context:
            return text
        fields = " ".join(f"{name}={value}" for name, value in context.items())
        first, newline, rest = text.partition("\n")
        return f"{first} [{fields}]{newline}{rest}"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the context fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context_of(record),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)
