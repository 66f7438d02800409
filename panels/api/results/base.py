"""What every answer's reader shares: the shape checks and the 'missing' filler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from panels.api import normalise
from panels.api.errors import ItemError

Raw = dict[str, Any]
T = TypeVar("T")


class ShapeError(ValueError):
    """Valid JSON, but not the shape this action answers with."""


def require_object(data: Any, what: str) -> Raw:
    if not isinstance(data, dict):
        raise ShapeError(f"expected a JSON object for {what}, got {type(data).__name__}")
    return data


def items(data: Any, what: str) -> list[Any]:
    """Batch answers are lists; a few panels send an object keyed by id instead."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        return list(data.values())
    raise ShapeError(f"expected a JSON list for {what}, got {type(data).__name__}")


def item_id(item: Any, key: str) -> str | None:
    return normalise.to_id(item.get(key)) if isinstance(item, dict) else None


MISSING = ItemError(text="", reason="missing")


def fill_missing(
    ids: list[str], results: dict[str, T], missing: Callable[[str], T]
) -> dict[str, T]:
    """Answers in the order asked; ids the panel left out get a 'missing' error."""
    return {i: results[i] if i in results else missing(i) for i in ids}
