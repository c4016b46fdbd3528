"""The text reporter: ``path:line: severity [rule] message``, the statement, the help."""

from __future__ import annotations

from migration_guard.findings import Finding, Problem, Report
from migration_guard.report._common import shows_heads, summary_line

_RESET = "\033[0m"
_BOLD = "\033[1m"
_DIM = "\033[2m"
_RED = "\033[31m"
_YELLOW = "\033[33m"
_CYAN = "\033[36m"
_GREEN = "\033[32m"

_INDENT = "    "


def _paint(text: str, code: str, color: bool) -> str:
    return f"{code}{text}{_RESET}" if color else text


def _location(path: str | None, line: int | None) -> str:
    where = path or "<unknown>"
    return f"{where}:{line}" if line is not None else where


def _indented(text: str) -> list[str]:
    return [f"{_INDENT}{row}".rstrip() for row in text.strip("\n").splitlines()]


def _finding(finding: Finding, color: bool) -> list[str]:
    severity_color = _RED if finding.severity == "error" else _YELLOW
    head = (
        f"{_paint(_location(finding.path, finding.line) + ':', _BOLD, color)} "
        f"{_paint(finding.severity, _BOLD + severity_color, color)} "
        f"{_paint('[' + finding.rule + ']', _CYAN, color)} {finding.message}"
    )
    lines = [head]
    if finding.statement.strip():
        lines.extend(_paint(row, _DIM, color) for row in _indented(finding.statement))
    if finding.help.strip():
        help_lines = finding.help.strip().splitlines()
        lines.append(f"{_INDENT}{_paint('help:', _BOLD, color)} {help_lines[0]}".rstrip())
        lines.extend(f"{_INDENT}      {row}".rstrip() for row in help_lines[1:])
    return lines


def _problem(problem: Problem, color: bool) -> list[str]:
    where = _location(problem.path, problem.line) if problem.path else "revision graph"
    lines = [
        f"{_paint(where + ':', _BOLD, color)} "
        f"{_paint(problem.code + ':', _BOLD + _RED, color)} {problem.message}"
    ]
    if problem.help.strip():
        lines.append(f"{_INDENT}{_paint('help:', _BOLD, color)} {problem.help.strip()}")
    return lines


def render(report: Report, *, color: bool) -> str:
    """The human report; ends with one summary line, also for an empty report."""
    lines: list[str] = []
    if shows_heads(report):
        heads = ", ".join(report.heads) if report.heads else "(none)"
        lines.append(f"heads: {heads}")
    for problem in report.problems:
        lines.extend(_problem(problem, color))
    for finding in report.findings:
        lines.extend(_finding(finding, color))
    if report.trace:
        from migration_guard.report.trace_table import text_tables

        lines.extend(text_tables(report.trace))
    closing = summary_line(report)
    if report.failed:
        closing = _paint(closing, _BOLD + _RED, color)
    elif report.findings:
        closing = _paint(closing, _BOLD + _YELLOW, color)
    else:
        closing = _paint(closing, _BOLD + _GREEN, color)
    lines.append(closing)
    return "\n".join(lines) + "\n"
