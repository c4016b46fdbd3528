"""Findings and graph problems: the data every reporter prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class Finding:
    """One rule violation in one migration.

    ``path`` is relative to the project root (POSIX separators), ``"-"`` for stdin.
    ``line`` is 1-based: the line of the ``op.`` call that produced ``statement``,
    else the revision file's first line.
    """

    rule: str
    severity: Severity
    message: str
    revision: str | None = None
    path: str | None = None
    line: int | None = None
    statement: str = ""
    help: str = ""

    def to_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "revision": self.revision,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "statement": self.statement,
        }


@dataclass(frozen=True)
class Problem:
    """A problem of the revision graph (``heads`` / ``check``).

    Codes: ``multiple-heads``, ``missing-parent``, ``duplicate-revision``, ``cycle``,
    ``parse-error``, ``not-on-base-head``.
    """

    code: str
    message: str
    revisions: tuple[str, ...] = ()
    path: str | None = None
    line: int | None = None
    help: str = field(default="", compare=False)

    def to_json(self) -> dict[str, object]:
        return {
            "code": self.code,
            "message": self.message,
            "revisions": list(self.revisions),
            "path": self.path,
        }
