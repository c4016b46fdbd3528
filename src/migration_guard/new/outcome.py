"""What the steps of ``new`` share: how they speak (``say``) and what ``new`` returns."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.findings import Finding

if TYPE_CHECKING:
    from migration_guard.new.document import NewRecord


@dataclass(frozen=True)
class Outcome:
    """What ``new`` did: the file it wrote in the user's tree (None: dry run or no change)."""

    exit_code: int
    path: Path | None = None
    revision: str | None = None
    changed: bool = True
    findings: tuple[Finding, ...] = ()
    record: NewRecord | None = None


def finished(path: Path | None, revision: str, findings: tuple[Finding, ...]) -> Outcome:
    """A revision was generated: exit 1 when its lint has an error."""
    failed = any(finding.severity == "error" for finding in findings)
    code = exit_codes.FINDINGS if failed else exit_codes.OK
    return Outcome(code, path=path, revision=revision, findings=findings)


def no_change() -> Outcome:
    say("\nNo change detected: the models match the schema at head. No file was written.")
    return Outcome(exit_codes.OK, changed=False)


def say_detected(changes: tuple[str, ...], record: NewRecord) -> None:
    """Step 2's end: what autogenerate itself says it detected."""
    record.detected = changes
    say("  autogenerate detected:")
    for change in changes or ("(nothing listed)",):
        say(f"    - {change}")


def say(text: str) -> None:
    """Print ``text``: model comments, SQL and file names from the repository, every line inert
    for the terminal and for a CI log (:func:`~migration_guard.untrusted.terminal_block`)."""
    from migration_guard.untrusted import terminal_block

    print(terminal_block(text), flush=True)
