"""Test data comes from the factories in tests/factories.py; conftest files hold fixtures (and
pytest hooks) only, and helpers live in helper modules the tests import."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
BUILDERS = {"make_panel", "make_service", "make_order"}


def _top_level_functions(path: Path) -> list[ast.FunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node for node in tree.body if isinstance(node, ast.FunctionDef)]


def _is_fixture(function: ast.FunctionDef) -> bool:
    return any("fixture" in ast.unparse(decorator) for decorator in function.decorator_list)


def test_conftest_files_hold_fixtures_and_hooks_only() -> None:
    stray = [
        f"{path.relative_to(TESTS)}: {function.name}"
        for path in TESTS.rglob("conftest.py")
        for function in _top_level_functions(path)
        if not _is_fixture(function)
        and not function.name.startswith(("pytest_", "_"))  # hooks, and a fixture's own parts
    ]
    assert len(list(TESTS.rglob("conftest.py"))) >= 4  # the walk found them
    assert stray == []


def test_no_test_module_builds_panels_services_or_orders_its_own_way() -> None:
    own = [
        f"{path.relative_to(TESTS)}: {function.name}"
        for path in TESTS.rglob("*.py")
        for function in _top_level_functions(path)
        if function.name in BUILDERS
    ]
    assert own == []
