"""The import graph the layers contracts (pyproject's [tool.importlinter], run by `make test`)
do not cover: no module imports itself back through others, except a service queueing work
through its app's tasks module from inside a function (the tasks import the services)."""

from __future__ import annotations

import copy
import importlib.util
from functools import cache
from pathlib import Path

import grimp

from tests.layout import PACKAGES


@cache
def _graph() -> grimp.ImportGraph:
    """Built once for the module's tests; a test that changes it works on a copy."""
    return grimp.build_graph(*PACKAGES, cache_dir=None)


@cache
def _source_lines(module: str) -> list[str]:
    spec = importlib.util.find_spec(module)
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin).read_text(encoding="utf-8").splitlines()


def _lazy(importer: str, line_number: int) -> bool:
    """An import inside a function or method: it runs when called, not when loaded."""
    line = _source_lines(importer)[line_number - 1]
    return line[:1].isspace()


def _allowed(graph: grimp.ImportGraph, importer: str, imported: str) -> bool:
    if not imported.endswith(".tasks"):
        return False
    details = graph.get_import_details(importer=importer, imported=imported)
    return bool(details) and all(_lazy(importer, d["line_number"]) for d in details)


def test_no_module_imports_itself_back() -> None:
    graph = copy.deepcopy(_graph())
    edges = [
        (importer, imported)
        for importer in graph.modules
        for imported in graph.find_modules_directly_imported_by(importer)
    ]
    for importer, imported in edges:
        if _allowed(graph, importer, imported):
            graph.remove_import(importer=importer, imported=imported)
    cycles = []
    for importer, imported in edges:
        if not graph.direct_import_exists(importer=importer, imported=imported):
            continue
        back = graph.find_shortest_chain(importer=imported, imported=importer)
        if back:
            cycles.append(" -> ".join((importer, *back)))
    assert cycles == []


def test_the_exceptions_are_lazy_imports_of_tasks_with_a_reason() -> None:
    graph = _graph()
    unexplained = [
        f"{module}:{detail['line_number']}: {detail['line_contents']}"
        for module in graph.modules
        for imported in graph.find_modules_directly_imported_by(module)
        if imported.endswith(".tasks")
        for detail in graph.get_import_details(importer=module, imported=imported)
        if _lazy(module, detail["line_number"])
        and "#" not in _source_lines(module)[detail["line_number"] - 1]
    ]
    assert unexplained == []
