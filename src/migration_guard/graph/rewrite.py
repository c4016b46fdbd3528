"""Rewrites a revision file's ``down_revision`` (and its ``Revises:`` docstring line) in place.

The file is edited as bytes: only the two values change, so line endings (LF, CRLF, CR or a mix),
a UTF-8 byte-order mark, an encoding declaration and every other byte stay as they were.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from migration_guard.errors import InputError

_LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_BOM = b"\xef\xbb\xbf"


def point_down_revision(source: bytes, path: str, new_parent: str) -> bytes:
    """``source`` with ``down_revision`` set to ``new_parent``; everything else byte for byte."""
    encoding = _encoding(source, path)
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None) or 1
        raise InputError(f"{path}:{line}: syntax error: {error}") from None
    value = _down_revision_value(module)
    if value is None or value.end_lineno is None or value.end_col_offset is None:
        raise InputError(f"{path}: no down_revision assignment to rewrite")
    starts = _line_starts(source)
    start = _offset(source, starts, value.lineno, value.col_offset, encoding)
    end = _offset(source, starts, value.end_lineno, value.end_col_offset, encoding)
    old_text = source[start:end].decode(encoding)
    quote = '"' if '"' in old_text and "'" not in old_text else "'"
    replacement = f"{quote}{new_parent}{quote}".encode(encoding)
    rewritten = source[:start] + replacement + source[end:]
    return _rewrite_revises_line(rewritten, new_parent, encoding)


def _encoding(source: bytes, path: str) -> str:
    """The file's encoding as Python reads it (a BOM or a ``coding:`` line, else UTF-8)."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    except SyntaxError as error:
        raise InputError(f"{path}: {error.msg}") from None
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _line_starts(source: bytes) -> list[int]:
    """Byte offset of each line's start, lines ending where Python's tokenizer ends them."""
    starts = [0]
    for match in _LINE.finditer(source):
        starts.append(match.end())
    return starts


def _offset(source: bytes, starts: list[int], line: int, column: int, encoding: str) -> int:
    """The byte offset in ``source`` of ``ast``'s (line, UTF-8 column) position."""
    line_start = starts[line - 1]
    if line == 1 and source.startswith(_BOM):
        line_start += len(_BOM)
    if encoding == "utf-8":
        return line_start + column
    line_end = starts[line] if line < len(starts) else len(source)
    text = source[line_start:line_end].decode(encoding)
    prefix = text.encode("utf-8")[:column].decode("utf-8")
    return line_start + len(prefix.encode(encoding))


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


# at a line start, whatever ends the line before (CR alone included)
_REVISES = re.compile(rb"(?:(?<=[\r\n])|\A)(Revises:[ \t]*)[^\r\n]*")


def _rewrite_revises_line(source: bytes, new_parent: str, encoding: str) -> bytes:
    """Only the module docstring's ``Revises:`` line, the way Alembic's template writes it."""
    try:
        module = ast.parse(source)
    except (SyntaxError, ValueError):
        return source
    first = module.body[0] if module.body else None
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
        and first.end_lineno is not None
    ):
        return source
    starts = _line_starts(source)
    begin = starts[first.lineno - 1]
    finish = starts[first.end_lineno] if first.end_lineno < len(starts) else len(source)
    docstring = source[begin:finish]
    value = new_parent.encode(encoding)
    rewritten = _REVISES.sub(lambda match: match.group(1) + value, docstring, count=1)
    return source[:begin] + rewritten + source[finish:]
