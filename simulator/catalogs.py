"""The catalogs one simulator serves: every variant, cut or padded to size, built on first use.

Run-time changes (see `live.Catalog`) are saved as overlays in `<state-dir>/_catalog.json`, so a
restart rebuilds the same tables and puts the same changes back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .catalog import SERVICES, Service
from .live import Catalog, Overlay
from .store import write_json_atomic
from .synthetic import STYLES, sized
from .variants import build_alt1, build_alt2

DEFAULT_CATALOG = "base"
BUILDERS: dict[str, Callable[[], tuple[Service, ...]]] = {
    "base": lambda: SERVICES,
    "alt1": build_alt1,
    "alt2": build_alt2,
}
CATALOG_NAMES: tuple[str, ...] = tuple(BUILDERS)


def check_name(name: str) -> str:
    if name not in BUILDERS:
        raise ValueError(f"unknown catalog {name!r}; known: {', '.join(CATALOG_NAMES)}")
    return name


class Catalogs:
    """Every variant of one simulator, built on first use, and their saved overlays."""

    def __init__(self, path: Path, *, size: int | None = None) -> None:
        if size is not None and size < 0:
            raise ValueError("catalog_size must not be negative")
        self.path = path
        self.size = size
        self._lock = threading.RLock()
        self._built: dict[str, Catalog] = {}
        self._saved: dict[str, Any] = {}
        if path.exists():
            self._saved = dict(json.loads(path.read_text(encoding="utf-8"))["catalogs"])

    def get(self, name: str) -> Catalog:
        catalog = self._built.get(name)
        if catalog is not None:
            return catalog
        with self._lock:
            if name not in self._built:
                generated = sized(BUILDERS[check_name(name)](), self.size, STYLES[name])
                overlay = Overlay.from_json(self._saved.get(name, {}))
                self._built[name] = Catalog(name, generated, overlay)
            return self._built[name]

    @contextmanager
    def change(self, name: str) -> Iterator[Catalog]:
        """Change one catalog, all or nothing, then save every overlay."""
        catalog = self.get(name)
        with self._lock, catalog.batch():
            yield catalog
            self._save()

    def _save(self) -> None:
        for name, catalog in self._built.items():
            self._saved[name] = catalog.overlay.to_json()
        write_json_atomic(self.path, {"version": 1, "catalogs": self._saved})

    def reset(self, name: str | None = None) -> None:
        """Forget the changes made to one catalog, or to all of them."""
        with self._lock:
            for each in [check_name(name)] if name is not None else CATALOG_NAMES:
                self._saved.pop(each, None)
                if each in self._built:
                    self._built[each].reset()
            if self.path.exists():
                self._save()
