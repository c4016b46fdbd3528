"""Reads one revision file's identifiers with ``ast``; the file is never imported or run."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_LEGACY_NAME = re.compile(r"([a-f0-9]+)\.py$")
_FIELDS = ("revision", "down_revision", "branch_labels", "depends_on")


@dataclass(frozen=True)
class RevisionFile:
    """The identifiers one revision file declares.

    ``down_revisions`` is empty for a base; ``labels_known`` / ``depends_known`` are False when
    ``branch_labels`` / ``depends_on`` are computed at import time rather than literals (heads
    never depend on either, so such a file is still read).
    """

    revision: str
    down_revisions: tuple[str, ...]
    depends_on: tuple[str, ...]
    branch_labels: tuple[str, ...]
    path: str
    line: int
    down_revision_line: int
    labels_known: bool = True
    depends_known: bool = True


class RevisionFileError(Exception):
    """A revision file that cannot be read statically; carries the line it failed on."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


class NotARevision(RevisionFileError):
    """A ``.py`` file with no ``revision``: Alembic refuses the whole folder for it."""


def read_revision_source(source: str | bytes, path: str, filename: str) -> RevisionFile:
    """Extract the identifiers from a revision file's source.

    Raises :class:`RevisionFileError` on a syntax error or a non-literal id and
    :class:`NotARevision` for a file that declares no ``revision``.
    """
    try:
        module = ast.parse(source, filename=path)
    except SyntaxError as error:
        raise RevisionFileError(f"syntax error: {error.msg}", error.lineno or 1) from None
    except ValueError as error:  # null bytes
        raise RevisionFileError(f"cannot parse: {error}", 1) from None
    except (RecursionError, MemoryError):  # an expression nested too deep for the parser
        raise RevisionFileError("cannot parse: expression nested too deeply", 1) from None

    values: dict[str, tuple[ast.expr, int]] = {}
    for statement in module.body:
        target, value = _assignment(statement)
        if target in _FIELDS and value is not None:
            values[target] = (value, statement.lineno)

    if "revision" in values:
        node, line = values["revision"]
        revision = _literal_string(node, "revision", line)
        if not revision:
            raise RevisionFileError("revision is empty", line)
    else:
        legacy = _LEGACY_NAME.match(filename)
        if legacy is None:
            raise NotARevision(
                "no revision identifier (Alembic refuses a folder holding this file)", 1
            )
        revision, line = legacy.group(1), 1

    if "down_revision" not in values:
        raise RevisionFileError("no down_revision", line)
    down_node, down_line = values["down_revision"]
    down_revisions = _literal_ids(down_node, "down_revision", down_line)
    depends_on: tuple[str, ...] = ()
    depends_known = True
    if "depends_on" in values:
        depends_node, depends_line = values["depends_on"]
        try:
            depends_on = _literal_ids(depends_node, "depends_on", depends_line)
        except RevisionFileError:
            depends_known = False
    labels: tuple[str, ...] = ()
    labels_known = True
    if "branch_labels" in values:
        labels_node, labels_line = values["branch_labels"]
        try:
            labels = _literal_ids(labels_node, "branch_labels", labels_line)
        except RevisionFileError:
            labels_known = False
    return RevisionFile(
        revision=revision,
        down_revisions=down_revisions,
        depends_on=depends_on,
        branch_labels=labels,
        path=path,
        line=line,
        down_revision_line=down_line,
        labels_known=labels_known,
        depends_known=depends_known,
    )


def _assignment(statement: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
        target = statement.targets[0]
        if isinstance(target, ast.Name):
            return target.id, statement.value
    elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id, statement.value
    return None, None


def _literal_string(node: ast.expr, name: str, line: int) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise RevisionFileError(f"{name} is not a string literal", line)


def _literal_ids(node: ast.expr, name: str, line: int) -> tuple[str, ...]:
    """None, "", (), a string, or a tuple/list of strings, as Alembic accepts them."""
    if isinstance(node, ast.Constant):
        if node.value is None or node.value == "":
            return ()
        if isinstance(node.value, str):
            return (node.value,)
    elif isinstance(node, (ast.Tuple, ast.List)):
        ids: list[str] = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                raise RevisionFileError(f"{name} holds a value that is not a string literal", line)
            if element.value and element.value not in ids:
                ids.append(element.value)
        return tuple(ids)
    raise RevisionFileError(
        f"{name} is not a literal (None, a string, or a tuple of strings)", line
    )
