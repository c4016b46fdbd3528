"""The reporters' imports flow one way: no module of ``report/`` imports one that imports it."""

from __future__ import annotations

import ast
from pathlib import Path

import migration_guard.report

REPORT = Path(migration_guard.report.__file__).parent
PACKAGE = "migration_guard.report"


def _imports(path: Path) -> set[str]:
    """Every ``migration_guard.report`` module ``path`` imports, at the top or in a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(PACKAGE):
            if node.module == PACKAGE:
                found |= {f"{PACKAGE}.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return found


def test_no_reporter_imports_one_that_imports_it_back() -> None:
    graph = {f"{PACKAGE}.{path.stem}": _imports(path) for path in REPORT.glob("*.py")}
    graph[PACKAGE] = graph.pop(f"{PACKAGE}.__init__")
    assert f"{PACKAGE}.trace_table" in graph[f"{PACKAGE}.summary"]  # the test sees imports
    cycles = sorted(
        (module, other)
        for module, imported in graph.items()
        for other in imported
        if module < other and module in graph.get(other, set()) and module != PACKAGE
    )
    assert cycles == []
