"""Narrowing a queryset by the filters a list page chose."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def where_chosen(queryset: QuerySet[M], **lookups: object) -> QuerySet[M]:
    """`queryset` narrowed by each lookup with a value. None and "" are "any": they filter
    nothing (False does filter)."""
    chosen = {name: value for name, value in lookups.items() if value is not None and value != ""}
    return queryset.filter(**chosen) if chosen else queryset
