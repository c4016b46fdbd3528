"""The ``op.`` calls of a revision file, found by line, read with ``ast`` (never imported).

Alembic's offline SQL leaves out what the call said (``existing_type=``, ``table_name=`` of
``op.drop_index``); findings point at the call's line, so the rules can look it up.
"""

from __future__ import annotations

import ast
from functools import lru_cache

_Index = dict[tuple[int, str], tuple[ast.Call, ...]]


def calls_on_line(source_text: str, line: int, method: str) -> tuple[ast.Call, ...]:
    """The ``*.method(...)`` calls spanning ``line`` (``op.`` and ``batch_op.`` alike)."""
    return _calls_by_line(source_text).get((line, method), ())


@lru_cache(maxsize=64)
def _calls_by_line(source_text: str) -> _Index:
    try:
        tree = ast.parse(source_text)
    except (SyntaxError, ValueError):
        return {}
    found: dict[tuple[int, str], list[ast.Call]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                found.setdefault((line, node.func.attr), []).append(node)
    return {key: tuple(calls) for key, calls in found.items()}


def literal_argument(call: ast.Call, position: int, keyword: str) -> object:
    """The literal given as ``keyword=`` or at ``position``; None when absent or computed."""
    for given in call.keywords:
        if given.arg == keyword:
            return given.value.value if isinstance(given.value, ast.Constant) else None
    if position < len(call.args):
        argument = call.args[position]
        return argument.value if isinstance(argument, ast.Constant) else None
    return None


def literal_string(node: ast.expr) -> str | None:
    """A string constant, or the string inside ``op.f("name")``."""
    if isinstance(node, ast.Call) and node.args and not node.keywords:
        node = node.args[0]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None
