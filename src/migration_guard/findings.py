"""Findings and graph problems: the data every reporter prints."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from migration_guard.trace_results import TraceEntry

Severity = Literal["error", "warning"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning")


@dataclass(frozen=True)
class FixContext:
    """What a multi-statement fix needs beyond the flagged statement (``enum-recreated``)."""

    labels: tuple[str, ...] | None = None
    """The enum's labels before the migration, in order (None: the history does not say)."""
    statements: tuple[tuple[int, str], ...] = ()
    """The migration's rendered statements as (line of the revision file, SQL)."""


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
    judged_from: str | None = None
    """``"execution"``: the revision could not be rendered offline, so the rules judged the SQL
    it executed on a throwaway PostgreSQL (the JSON then carries ``judged_from``)."""
    fix_context: FixContext | None = field(default=None, compare=False, repr=False)
    """What ``fix`` needs to know that the statement does not say; never reported."""

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "rule": self.rule,
            "severity": self.severity,
            "revision": self.revision,
            "path": self.path,
            "line": self.line,
            "message": self.message,
            "statement": self.statement,
        }
        if self.judged_from is not None:  # additive: only on findings judged from execution
            document["judged_from"] = self.judged_from
        return document


@dataclass(frozen=True)
class Problem:
    """A problem of the revision graph (``heads`` / ``check``).

    Codes: ``multiple-heads``, ``missing-parent``, ``duplicate-revision``, ``cycle``,
    ``parse-error``, ``not-on-base-head``; ``drift`` adds ``models-without-migration``.
    """

    code: str
    message: str
    revisions: tuple[str, ...] = ()
    path: str | None = None
    line: int | None = None
    help: str = field(default="", compare=False)

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {
            "code": self.code,
            "message": self.message,
            "revisions": list(self.revisions),
            "path": self.path,
        }
        if self.code in LOCATED_PROBLEMS:  # the contract's "path and line" problems
            document["line"] = self.line
        return document


LOCATED_PROBLEMS = ("models-without-migration", "upgrade-failed")
"""Problem codes whose JSON also carries ``line`` (a model file's, or a revision file's)."""


@dataclass(frozen=True)
class RuleInfo:
    """What a reporter needs to know of a rule (SARIF's rule table, the summary's links)."""

    id: str
    severity: Severity
    summary: str
    help: str = ""
    default_on: bool = True  # False: opt-in, runs only when named in `enable`


@dataclass(frozen=True)
class Report:
    """Everything one command found; the reporters turn it into text, JSON, workflow commands or SARIF.

    ``command`` (``"lint"``, ``"heads"``, ``"check"``, ``"drift"``, ...) decides the JSON shape.
    ``sql`` maps a revision id to the SQL it renders to (for the job summary).
    """

    command: str
    heads: tuple[str, ...] = ()
    problems: tuple[Problem, ...] = ()
    findings: tuple[Finding, ...] = ()
    revisions: tuple[str, ...] = ()
    sql: tuple[tuple[str, str], ...] = ()
    rules: tuple[RuleInfo, ...] = ()
    trace: tuple[TraceEntry, ...] = ()
    """``trace``: one entry per traced revision."""
    fixes: tuple[tuple[str, str], ...] = ()
    """(path, unified diff) of the safe version ``migration-guard fix`` makes (job summary)."""
    incomplete: tuple[str, ...] = ()
    """Stages that could not run, one line each (``check``): every format says so."""
    config_path: str | None = None
    """The project's alembic.ini (as the report's paths are relative): where a result with no
    file of its own is located (SARIF requires a location on every result)."""

    @property
    def failed(self) -> bool:
        """True when the exit code is not 0: a graph problem, an error-severity finding, or a
        stage that could not run."""
        return (
            bool(self.problems)
            or bool(self.incomplete)
            or any(f.severity == "error" for f in self.findings)
        )

    def to_json(self) -> dict[str, object]:
        document: dict[str, object] = {}
        if self.command in ("heads", "check"):
            document["heads"] = list(self.heads)
            document["problems"] = [problem.to_json() for problem in self.problems]
        if self.command == "drift":
            document["problems"] = [problem.to_json() for problem in self.problems]
        if self.command in ("lint", "check", "trace"):
            document["findings"] = [finding.to_json() for finding in self.findings]
            document["revisions"] = list(self.revisions)
        if self.command == "trace" or self.trace:
            document["trace"] = [entry.to_json() for entry in self.trace]
        return document
