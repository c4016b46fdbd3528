"""Steps 3-4 of ``new``: show the new revision's functions and their SQL, then its lint."""

from __future__ import annotations

from typing import TYPE_CHECKING

from migration_guard.new.lint import lint_new_revision, say_findings
from migration_guard.new.outcome import say
from migration_guard.new.source import down_revision_of, function_source

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from migration_guard.findings import Finding
    from migration_guard.new.document import NewRecord
    from migration_guard.project.opened import Project
    from migration_guard.render.offline import Renderer


# What steps 3-5 import whatever the revision: the SQL reader, the rules, YAML for the test
# command; and for the fix offer (findings only) libcst, a quarter of a second of CPU.
_STEPS_3_TO_5 = (
    "migration_guard.sql.split",
    "migration_guard.rules",
    "migration_guard.lint.engine",
    "migration_guard.lint.project_history",
    "migration_guard.adopt.compose",
)
_FIX_OFFER = ("migration_guard.fix.apply",)


def import_ahead(*, fix_offer: bool = False) -> None:
    """Import what steps 3-5 need, while the child generates the revision (see
    :meth:`~migration_guard.runners.child.PreparedJob.run`'s ``meanwhile``): on a core that
    would only wait, not after the child is done. ``fix_offer``: libcst too, which only a
    revision with findings needs (``new`` takes it ahead; the hook, run on every model
    commit, spares the CPU)."""
    import importlib

    for name in _STEPS_3_TO_5 + (_FIX_OFFER if fix_offer else ()):
        try:
            importlib.import_module(name)
        except ImportError:  # said where the step needs it (the rules absent from a build)
            continue


def show(
    project: Project,
    revision: str,
    path: Path,
    relative: Path,
    downgrade: str | Callable[[], str],
    record: NewRecord,
    renderer: Renderer | None = None,
) -> tuple[Finding, ...]:
    """Steps 3-4: the new file's functions, their SQL and the lint findings. ``downgrade`` is
    the rollback SQL, or what waits for it (rendered meanwhile)."""
    source = path.read_text(encoding="utf-8", errors="replace")
    parent = down_revision_of(source)
    record.revision, record.down_revision = revision, parent
    record.upgrade_source = function_source(source, "upgrade")
    record.downgrade_source = function_source(source, "downgrade")
    say(f"\n3. The new revision {revision} ({relative.as_posix()}), down_revision = {parent!r}:")
    for name in ("upgrade", "downgrade"):
        say(f"\n--- {name}() ---")
        say(function_source(source, name) or f"(no {name}() function)")
    sql, findings, note = lint_new_revision(project, revision, renderer)
    downgrade_sql = downgrade() if callable(downgrade) else downgrade
    record.upgrade_sql = without_transaction(sql)
    record.downgrade_sql = without_transaction(downgrade_sql)
    record.findings = findings
    say("\n--- SQL on `alembic upgrade` (offline render) ---")
    say(without_transaction(sql) or "(no statements)")
    say("\n--- SQL on rollback (`alembic downgrade -1`, offline render) ---")
    say(without_transaction(downgrade_sql) or "(no statements)")
    say_findings(revision, findings, note)
    if not note:
        from migration_guard.new.fix import say_fix

        say_fix(project, source, findings, relative, record)
    return findings


def without_transaction(sql: str) -> str:
    """The SQL without Alembic's own BEGIN/COMMIT around it."""
    kept = [
        part
        for part in sql.strip().split("\n\n")
        if part.strip().upper() not in ("BEGIN;", "COMMIT;")
    ]
    return "\n\n".join(kept).strip()
