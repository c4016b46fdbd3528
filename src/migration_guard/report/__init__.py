"""Reporters: a :class:`~migration_guard.findings.Report` as text, JSON, workflow commands, SARIF.

Each format lives in its own module, imported only when asked for, so a run pays for one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.errors import UsageError
from migration_guard.findings import Report

if TYPE_CHECKING:
    from migration_guard.report.changed_lines import ChangedLines

FORMATS: tuple[str, ...] = ("text", "json", "github", "sarif")


def render_report(
    report: Report, fmt: str, *, color: bool, changed: ChangedLines | None = None
) -> str:
    """The report in ``fmt`` (one of :data:`FORMATS`), ending with a newline; write it to stdout.

    ``changed``: the lines a pull request changed; ``github`` annotates only those."""
    if fmt == "text":
        from migration_guard.report import text

        return text.render(report, color=color)
    if fmt == "json":
        from migration_guard.report import json_report

        return json_report.render(report)
    if fmt == "github":
        from migration_guard.report import github

        return github.render(report, changed=changed)
    if fmt == "sarif":
        from migration_guard.report import sarif

        return sarif.render(report)
    raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def render_summary(report: Report) -> str:
    """The Markdown job summary (``$GITHUB_STEP_SUMMARY``)."""
    from migration_guard.report import summary

    return summary.render_summary(report)


def write_outputs(
    report: Report, *, summary_file: str | None = None, sarif_file: str | None = None
) -> None:
    """Append the job summary to ``summary_file`` and write SARIF to ``sarif_file`` (each if given).

    The summary is appended because ``$GITHUB_STEP_SUMMARY`` collects every step's Markdown.
    """
    if summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8") as stream:
                stream.write(render_summary(report))
        except OSError as error:
            raise UsageError(
                f"{summary_file}: cannot write the job summary: {error.strerror}"
            ) from None
    if sarif_file:
        from migration_guard.report import sarif

        path = Path(sarif_file)
        try:
            if path.parent != Path():
                path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(sarif.render(report), encoding="utf-8")
        except OSError as error:
            raise UsageError(f"{sarif_file}: cannot write SARIF: {error.strerror}") from None
