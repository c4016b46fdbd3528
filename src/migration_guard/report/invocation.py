"""What a command was asked, and where its report goes: the :class:`Invocation` every verb and
every flow that reports (``check``'s judgement, ``new``'s document) receives.

It lives with the reporters, not with the verbs, because the flows emit through it: a flow
never imports the verbs that call it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migration_guard.findings import Report
    from migration_guard.render.offline import OfflineRenderer


@dataclass(frozen=True)
class Invocation:
    """What every command gets: the project, the output format, and its parsed arguments."""

    project: Path
    format: str
    color: bool
    arguments: argparse.Namespace
    summary_file: str | None = None
    sarif_file: str | None = None
    renderer: OfflineRenderer | None = None
    """A render child started before the command was imported (``lint`` and ``check``)."""

    def emit(self, report: Report, *, changed_since: str | None = None) -> None:
        """Print ``report`` in the chosen format on stdout (and the summary / SARIF files).

        ``changed_since``: the base ref, when known; annotations then go only on the lines
        changed since the merge-base with it (everything else is still in the log, the
        summary and SARIF)."""
        from migration_guard.report import render_report, write_outputs

        if report.config_path is None:
            report = replace(report, config_path=_alembic_ini(self.project))
        # Annotations and SARIF locate files from the repository root, not from --project.
        located = from_repository_root(report, self.project)
        shown = located if self.format in ("github", "sarif") else report
        changed = None
        if self.format == "github" and changed_since and located.findings:
            from migration_guard.report.changed_lines import changed_lines

            paths = [f.path for f in located.findings if f.path and f.path != "-"]
            changed = changed_lines(self.project, changed_since, paths)
        text = render_report(shown, self.format, color=self.color, changed=changed)
        sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
        sys.stdout.flush()
        write_outputs(located, summary_file=self.summary_file, sarif_file=self.sarif_file)


def from_repository_root(report: Report, project: Path) -> Report:
    """``report`` with project-relative paths made relative to the enclosing git work tree."""
    prefix = _project_in_repository(project)
    if not prefix:
        return report

    def moved(path: str | None) -> str | None:
        if path is None or path == "-" or path.startswith("/"):
            return path
        return f"{prefix}/{path}"

    return replace(
        report,
        findings=tuple(replace(f, path=moved(f.path)) for f in report.findings),
        problems=tuple(replace(p, path=moved(p.path)) for p in report.problems),
        config_path=moved(report.config_path),
    )


def _alembic_ini(project: Path) -> str | None:
    """The project's alembic.ini relative to it, if its configuration can be read; else its
    pyproject.toml (where a result with no file of its own is located)."""
    from migration_guard.errors import GuardError

    try:
        from migration_guard.config.pyproject import load_config

        ini = load_config(project).alembic_ini_path
        if ini.is_file():
            return ini.resolve().relative_to(project.resolve()).as_posix()
    except (GuardError, OSError, ValueError):
        pass
    return "pyproject.toml"


def _project_in_repository(project: Path) -> str:
    """The project folder relative to the git work tree holding it ('' at its root or outside)."""
    resolved = project.resolve()
    for folder in (resolved, *resolved.parents):
        if (folder / ".git").exists():
            return resolved.relative_to(folder).as_posix().strip(".")
    return ""
