"""Step 4 of ``new`` (and the hook), continued: the safe version of the generated revision.

With ``fix = "hook"`` the recipes are applied to the generated file before it is shown, so the
developer reviews (and stages) the safe pattern; otherwise the diff ``migration-guard fix``
would make is shown beside the findings. Applying happens before the rollback SQL is rendered,
so what is shown is the file as written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.findings import Finding
from migration_guard.fix.diffs import unified_diff
from migration_guard.new.lint import lint_new_revision
from migration_guard.new.outcome import say

if TYPE_CHECKING:
    from migration_guard.new.document import NewRecord
    from migration_guard.project.opened import Project


def apply_fix_hook(
    project: Project,
    revision: str,
    path: Path,
    relative: Path,
    record: NewRecord,
) -> None:
    """``fix = "hook"``: rewrite the generated file at ``path`` into the safe pattern."""
    if project.config.fix != "hook":
        return
    _sql, findings, note = lint_new_revision(project, revision)
    if note:
        return
    source = path.read_text(encoding="utf-8")
    diff, fixed = _fixed(project, source, findings, relative)
    if diff:
        path.write_text(fixed, encoding="utf-8")
        record.fix_diff, record.fix_applied = diff, True


def say_fix(
    project: Project,
    source: str,
    findings: tuple[Finding, ...],
    relative: Path,
    record: NewRecord,
) -> None:
    """The fix applied (``fix = "hook"``), or the one ``migration-guard fix`` offers."""
    if record.fix_applied:
        say('\n  fix = "hook" rewrote the generated revision into the safe pattern (review it):')
        say(record.fix_diff.rstrip("\n"))
        return
    if not findings:
        return
    diff, _fixed_source = _fixed(project, source, findings, relative)
    if diff:
        record.fix_diff = diff
        say(
            f"\n  `migration-guard fix {record.revision}` rewrites it into the safe pattern "
            '(fix = "hook" in the config does it here):'
        )
        say(diff.rstrip("\n"))


def _fixed(
    project: Project, source: str, findings: tuple[Finding, ...], relative: Path
) -> tuple[str, str]:
    """The unified diff of the fixed source (empty: nothing to fix), and that source."""
    from migration_guard.fix.apply import fix_source
    from migration_guard.fix.recipe import FixSettings

    result = fix_source(source, findings, FixSettings.from_config(project.config))
    if not result.changed:
        return "", source
    return unified_diff(relative.as_posix(), source, result.source), result.source
