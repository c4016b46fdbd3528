"""The text reporter: ``path:line: severity [rule] message``, the statement, the help."""

from __future__ import annotations

from migration_guard.errors import one_line
from migration_guard.findings import Finding, Problem, Report
from migration_guard.report._common import shows_heads, summary_line
from migration_guard.untrusted import no_command_start, terminal_line

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
    where = one_line(path) if path else "<unknown>"
    return f"{where}:{line}" if line is not None else where


def _indented(text: str) -> list[str]:
    """Quoted SQL, indented, each row inert (:func:`~migration_guard.untrusted.terminal_line`;
    :func:`render` breaks a ``::`` that would start a line)."""
    rows = text.strip("\n").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [f"{_INDENT}{terminal_line(row)}".rstrip() for row in rows]


def _finding(finding: Finding, color: bool) -> list[str]:
    severity_color = _RED if finding.severity == "error" else _YELLOW
    head = (
        f"{_paint(_location(finding.path, finding.line) + ':', _BOLD, color)} "
        f"{_paint(finding.severity, _BOLD + severity_color, color)} "
        f"{_paint('[' + finding.rule + ']', _CYAN, color)} {one_line(finding.message)}"
    )
    lines = [head]
    if finding.statement.strip():
        lines.extend(_paint(row, _DIM, color) for row in _indented(finding.statement))
    if finding.help.strip():
        help_lines = _indented(finding.help)
        help_lines = [row.strip() for row in help_lines]
        lines.append(f"{_INDENT}{_paint('help:', _BOLD, color)} {help_lines[0]}".rstrip())
        lines.extend(f"{_INDENT}      {row}".rstrip() for row in help_lines[1:])
    return lines


def _problem(problem: Problem, color: bool) -> list[str]:
    where = _location(problem.path, problem.line) if problem.path else "revision graph"
    lines = [
        f"{_paint(where + ':', _BOLD, color)} "
        f"{_paint(problem.code + ':', _BOLD + _RED, color)} {one_line(problem.message)}"
    ]
    if problem.help.strip():
        lines.append(f"{_INDENT}{_paint('help:', _BOLD, color)} {one_line(problem.help.strip())}")
    return lines


def render(report: Report, *, color: bool, split_commands: bool = True) -> str:
    """The human report; ends with one summary line, also for an empty report.

    ``split_commands=False``: the caller fences the text off with ``::stop-commands::`` (the
    github reporter), so a line may start with ``::`` as the repository wrote it."""
    lines: list[str] = []
    if shows_heads(report):
        heads = ", ".join(map(one_line, report.heads)) if report.heads else "(none)"
        lines.append(f"heads: {heads}")
    for stage in report.incomplete:
        lines.append(f"{_paint('not checked:', _BOLD + _RED, color)} {one_line(stage)}")
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
    if split_commands:  # a path or a row of SQL may start a line: never with a command
        lines = [no_command_start(line) for line in lines]
    return "\n".join(lines) + "\n"
