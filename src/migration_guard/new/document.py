"""What ``new`` found and did, collected step by step, for ``--format json|github|sarif``.

In text mode ``new`` tells its story as it goes; in the other formats that story goes to stderr
and stdout holds one document built from this record: JSON (the shape below), or the lint report
of the new revision as workflow commands or SARIF.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from migration_guard.findings import Finding, Report

if TYPE_CHECKING:
    from migration_guard.new.follow_ups import FollowUps
    from migration_guard.project.models_diff import ModelFileChange
    from migration_guard.report.invocation import Invocation


@dataclass
class NewRecord:
    """Filled in by the steps of ``new``; ``path`` is the file written (None: dry run, no change)."""

    dry_run: bool
    runner: str = ""
    runner_reason: str = ""
    model_changes: list[ModelFileChange] = field(default_factory=list)
    detected: tuple[str, ...] = ()
    revision: str | None = None
    down_revision: str | None = None
    path: str | None = None
    would_write: str | None = None
    upgrade_source: str | None = None
    downgrade_source: str | None = None
    upgrade_sql: str | None = None
    downgrade_sql: str | None = None
    findings: tuple[Finding, ...] = ()
    commands: FollowUps | None = None
    fix_diff: str = ""
    """The diff of the safe pattern: applied (``fix_applied``) or offered."""
    fix_applied: bool = False

    def to_json(self) -> dict[str, object]:
        generated = self.revision is not None
        return {
            "runner": {"name": self.runner, "reason": self.runner_reason},
            "dry_run": self.dry_run,
            "model_changes": [
                {"path": change.path, "status": change.status, "details": list(change.details)}
                for change in self.model_changes
            ],
            "changed": generated,
            "autogenerate": list(self.detected),
            "revision": self.revision,
            "down_revision": self.down_revision,
            "path": self.path,
            "would_write": self.would_write,
            "upgrade": (
                {"source": self.upgrade_source, "sql": self.upgrade_sql} if generated else None
            ),
            "downgrade": (
                {"source": self.downgrade_source, "sql": self.downgrade_sql} if generated else None
            ),
            "findings": [finding.to_json() for finding in self.findings],
            "fix": {"diff": self.fix_diff, "applied": self.fix_applied} if self.fix_diff else None,
            "commands": self.commands.to_json() if self.commands else None,
        }

    def lint_report(self) -> Report:
        from migration_guard.lint.pipeline import rule_infos

        revisions = (self.revision,) if self.revision else ()
        return Report(
            command="lint", findings=self.findings, revisions=revisions, rules=rule_infos()
        )


@contextlib.contextmanager
def story_to_stderr(invocation: Invocation) -> Iterator[None]:
    """Outside text mode the step-by-step story goes to stderr: stdout is the document's."""
    if invocation.format == "text":
        yield
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield


def emit(invocation: Invocation, record: NewRecord) -> None:
    """The document on stdout (nothing more in text mode: the story was the output)."""
    if invocation.format == "json":
        from migration_guard.untrusted import json_document

        sys.stdout.write(json_document(record.to_json()))
        sys.stdout.flush()
    elif invocation.format != "text":
        invocation.emit(record.lint_report())
