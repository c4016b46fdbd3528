"""The GitHub Actions reporter: workflow-command annotations, then the readable text report.

Escaping follows ``@actions/core`` (``toCommandValue`` / ``escapeData`` / ``escapeProperty``).
The text report quotes SQL from the pull request, so it is printed between
``::stop-commands::TOKEN`` and ``::TOKEN::``: a line of that SQL is never taken for a command.

GitHub shows at most 10 error and 10 warning annotations per step and drops the rest without a
word, so at most :data:`LIMIT` of each are printed (graph problems, then the seed's rules, then
the others; by file and line), and one notice says how many more there are. With the lines a
pull request changed, findings elsewhere are not annotated; the log and the job summary list
everything.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from migration_guard.findings import Finding, Problem, Report
from migration_guard.report import text

if TYPE_CHECKING:
    from migration_guard.report.changed_lines import ChangedLines

LIMIT = 10
SEED_RULES = (
    "not-null-without-default",
    "enum-recreated",
    "audit-log-delete",
    "soft-delete-pair",
    "search-vector-type",
)


def escape_data(value: str) -> str:
    """A command's message: ``%``, ``\\r`` and ``\\n`` percent-encoded."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """A command's property value: as data, plus ``:`` and ``,``."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, properties: dict[str, str], message: str) -> str:
    """One workflow command line, ``::name key=value,…::message``."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items())
    head = f"::{name} {props}" if props else f"::{name}"
    return f"{head}::{escape_data(message)}"


def _finding(finding: Finding) -> str:
    properties: dict[str, str] = {}
    if finding.path and finding.path != "-":
        properties["file"] = finding.path
        if finding.line is not None:
            properties["line"] = str(finding.line)
    properties["title"] = f"migration-guard: {finding.rule}"
    message = finding.message
    if finding.statement.strip():
        message += "\n\n" + finding.statement.strip()
    if finding.help.strip():
        message += "\n\n" + finding.help.strip()
    return command(finding.severity, properties, message)


def _problem(problem: Problem) -> str:
    properties: dict[str, str] = {}
    if problem.path:
        properties["file"] = problem.path
        if problem.line is not None:
            properties["line"] = str(problem.line)
    properties["title"] = f"migration-guard: {problem.code}"
    message = problem.message
    if problem.help.strip():
        message += "\n\n" + problem.help.strip()
    return command("error", properties, message)


def render(report: Report, *, token: str | None = None, changed: ChangedLines | None = None) -> str:
    """Annotations within GitHub's limits (on ``changed`` lines only, when given), then the
    plain text report of everything.

    ``token`` is the stop-commands token; a fresh random one unless given (tests pin it).
    """
    token = token or secrets.token_hex(16)
    lines = annotation_lines(report, changed)
    lines.append(f"::stop-commands::{token}")
    body = text.render(report, color=False, split_commands=False)
    return "\n".join(lines) + "\n" + body + f"::{token}::\n"


def annotation_lines(report: Report, changed: ChangedLines | None = None) -> list[str]:
    """The annotation lines: at most :data:`LIMIT` errors and warnings, and the notice."""
    errors: list[tuple[tuple[int, str, int], str]] = [
        ((-1, "", index), command("error", {"title": "migration-guard: not checked"}, line))
        for index, line in enumerate(report.incomplete)
    ]
    errors += [
        ((0, problem.path or "", problem.line or 0), _problem(problem))
        for problem in report.problems
    ]
    warnings: list[tuple[tuple[int, str, int], str]] = []
    elsewhere = 0
    for finding in report.findings:
        if changed is not None and not changed.covers(finding.path, finding.line):
            elsewhere += 1
            continue
        key = (1 if finding.rule in SEED_RULES else 2, finding.path or "", finding.line or 0)
        (errors if finding.severity == "error" else warnings).append((key, _finding(finding)))
    errors.sort(key=lambda pair: pair[0])
    warnings.sort(key=lambda pair: pair[0])
    over = max(0, len(errors) - LIMIT) + max(0, len(warnings) - LIMIT)
    lines = [line for _, line in errors[:LIMIT]] + [line for _, line in warnings[:LIMIT]]
    if over or elsewhere:
        lines.append(command("notice", {"title": "migration-guard"}, _more(over, elsewhere)))
    return lines


def _more(over: int, elsewhere: int) -> str:
    count = over + elsewhere
    reasons = []
    if over:
        reasons.append(f"GitHub shows at most {LIMIT} errors and {LIMIT} warnings per step")
    if elsewhere:
        reasons.append(f"{elsewhere} on lines this pull request does not change")
    noun = "finding" if count == 1 else "findings"
    return (
        f"{count} more {noun} not annotated ({'; '.join(reasons)}): "
        "the job summary lists them all, as does this step's log."
    )
