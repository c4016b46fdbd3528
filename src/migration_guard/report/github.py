"""The GitHub Actions reporter: workflow-command annotations, then the readable text report.

Escaping follows ``@actions/core`` (``toCommandValue`` / ``escapeData`` / ``escapeProperty``).
The text report quotes SQL from the pull request, so it is printed between
``::stop-commands::TOKEN`` and ``::TOKEN::``: a line of that SQL is never taken for a command.
"""

from __future__ import annotations

import secrets

from migration_guard.findings import Finding, Problem, Report
from migration_guard.report import text


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


def render(report: Report, *, token: str | None = None) -> str:
    """Annotations for every problem and finding, then the plain text report.

    ``token`` is the stop-commands token; a fresh random one unless given (tests pin it).
    """
    token = token or secrets.token_hex(16)
    lines = [_problem(problem) for problem in report.problems]
    lines.extend(_finding(finding) for finding in report.findings)
    lines.append(f"::stop-commands::{token}")
    body = text.render(report, color=False, split_commands=False)
    return "\n".join(lines) + "\n" + body + f"::{token}::\n"
