"""Rewrites a revision file's ``down_revision`` (and its ``Revises:`` docstring line) in place."""

from __future__ import annotations

import ast
import re

from migration_guard.errors import InputError


def point_down_revision(source: str, path: str, new_parent: str) -> str:
    """``source`` with ``down_revision`` set to ``new_parent``; everything else byte for byte."""
    try:
        module = ast.parse(source)
    except SyntaxError as error:
        raise InputError(f"{path}:{error.lineno}: syntax error: {error.msg}") from None
    value = _down_revision_value(module)
    if value is None or value.end_lineno is None or value.end_col_offset is None:
        raise InputError(f"{path}: no down_revision assignment to rewrite")
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line.encode("utf-8")))
    raw = source.encode("utf-8")
    start = offsets[value.lineno - 1] + value.col_offset
    end = offsets[value.end_lineno - 1] + value.end_col_offset
    old_text = raw[start:end].decode("utf-8")
    quote = '"' if '"' in old_text and "'" not in old_text else "'"
    replacement = f"{quote}{new_parent}{quote}"
    rewritten = (raw[:start] + replacement.encode("utf-8") + raw[end:]).decode("utf-8")
    return _rewrite_revises_line(rewritten, new_parent)


def _down_revision_value(module: ast.Module) -> ast.expr | None:
    for statement in module.body:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
            if (
                len(targets) == 1
                and isinstance(targets[0], ast.Name)
                and targets[0].id == "down_revision"
            ):
                return statement.value
        elif (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and statement.target.id == "down_revision"
        ):
            return statement.value
    return None


_REVISES = re.compile(r"^(Revises:[ \t]*)[^\r\n]*$", re.MULTILINE)


def _rewrite_revises_line(source: str, new_parent: str) -> str:
    """Only the module docstring's ``Revises:`` line, the way Alembic's template writes it."""
    try:
        module = ast.parse(source)
    except SyntaxError:
        return source
    first = module.body[0] if module.body else None
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and first.end_lineno is not None
    ):
        return source
    lines = source.splitlines(keepends=True)
    head = "".join(lines[: first.lineno - 1])
    docstring = "".join(lines[first.lineno - 1 : first.end_lineno])
    tail = "".join(lines[first.end_lineno :])
    return head + _REVISES.sub(lambda m: m.group(1) + new_parent, docstring, count=1) + tail
