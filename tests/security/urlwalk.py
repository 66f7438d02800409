"""Every URL pattern of the project, with sample values in its converters.

The whole urlconf is walked (includes, the admin's patterns), so a URL added later is covered by
the security tests without anyone remembering to list it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.sessions.models import Session
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter, PathConverter, SlugConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern

SAMPLE_UUID = "00000000-0000-4000-8000-000000000001"
# A named regex group: `(?P<name>...)` with no nested group inside.
_NAMED_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?P<body>[^()]*)\)")
_ROUTE_PART = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True)
class Url:
    """One URL pattern: its name (with namespaces), the route as written, the view."""

    name: str  # "orders:detail"; "" when the pattern has no name
    route: str  # "orders/<int:pk>/"
    callback: Callable[..., Any]
    parts: tuple[tuple[str, Any], ...]  # (name, converter) of every placeholder, in order

    @property
    def namespace(self) -> str:
        return self.name.rpartition(":")[0]

    @property
    def is_admin(self) -> bool:
        return self.route.startswith("admin/")

    def path(self, values: Mapping[str, object] | None = None) -> str:
        """A concrete path: each placeholder filled from `values`, or with a sample."""
        values = values or {}
        path = self.route
        for name, converter in self.parts:
            path = _fill(path, name, str(values.get(name, _sample(converter, name))))
        path = "/" + path.lstrip("^").rstrip("$").replace("\\", "")
        return path

    def __str__(self) -> str:
        return self.name or self.route


def _sample(converter: Any, name: str) -> str:
    if isinstance(converter, IntConverter):
        return "1"
    if isinstance(converter, UUIDConverter):
        return SAMPLE_UUID
    if isinstance(converter, PathConverter):
        return "1"
    if isinstance(converter, SlugConverter):
        return "sample"
    if isinstance(converter, str):  # a regex group's body
        alternatives = converter.split("|")
        if all(re.fullmatch(r"[\w-]+", a) for a in alternatives):
            return alternatives[0]
        return "1"
    return "1"  # str and unknown converters: checked by resolving the result


def _fill(path: str, name: str, value: str) -> str:
    group = re.compile(rf"\(\?P<{name}>[^()]*\)")
    if group.search(path):
        return group.sub(lambda _: value, path, count=1)
    return re.sub(rf"<(?:\w+:)?{name}>", lambda _: value, path, count=1)


def _parts(pattern: Any) -> list[tuple[str, Any]]:
    if isinstance(pattern, RoutePattern):
        route = str(pattern)
        return [(m["name"], pattern.converters[m["name"]]) for m in _ROUTE_PART.finditer(route)]
    if isinstance(pattern, RegexPattern):
        return [(m["name"], m["body"]) for m in _NAMED_GROUP.finditer(str(pattern))]
    raise AssertionError(f"unknown pattern class {type(pattern)}")


def _walk(
    resolver: URLResolver, prefix: str, namespace: str, parts: list[tuple[str, Any]]
) -> Iterator[Url]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        here = parts + _parts(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, route, inner, here)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Url(name, route, entry.callback, tuple(here))


def all_urls() -> list[Url]:
    """Every URL pattern of the root urlconf, includes followed."""
    return list(_walk(get_resolver(), "", "", []))


def resolves_to_itself(url: Url, path: str) -> bool:
    """The sample path really reaches this pattern's view (and not a catch-all before it)."""
    try:
        match = resolve(path)
    except Exception:  # Resolver404, or a converter refusing the sample
        return False
    return match.func is url.callback or match.route == url.route


# The admin's models, and which of the `rows` fixture's rows is one of them.
ADMIN_ROWS = {
    "panel": "panel",
    "service": "service",
    "order": "order",
    "refill": "refill",
    "bulkaction": "bulk",
    "upload": "upload",
    "catalogsync": "sync",
}


def sample_values(url: Url, rows: dict[str, Any]) -> dict[str, object]:
    """The pk of a row of the kind this URL shows, guessed from its names; 1 otherwise."""
    values: dict[str, object] = {}
    for name, _converter in url.parts:
        if name == "object_id" and url.is_admin:  # admin:<app>_<model>_change
            model = url.name.partition(":")[2].split("_")[1] if url.name else ""
            if ADMIN_ROWS.get(model) in rows:
                values[name] = rows[ADMIN_ROWS[model]].pk
        elif name == "run_pk":
            values[name] = rows["sync"].pk
        elif name != "pk":
            continue
        elif "upload" in url.name:
            values[name] = rows["upload"].pk
        elif "bulk" in url.name:
            values[name] = rows["bulk"].pk
        elif url.namespace == "catalog":
            values[name] = rows["service"].pk
        elif url.namespace == "panels":
            values[name] = rows["panel"].pk
        elif url.namespace == "orders":
            values[name] = rows["order"].pk
    return values


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (but sessions, which logging in writes)."""
    tables = {}
    for model in apps.get_models():
        if model is Session:
            continue
        tables[model._meta.label] = list(model._default_manager.order_by("pk").values())
    return tables


def changed_tables(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [label for label in before if before[label] != after[label]]
