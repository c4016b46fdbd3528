"""Step 2 of ``new`` with the local runner: autogenerate into the overlay against a private
PostgreSQL at head, show and lint the file there, then move it into the user's tree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from migration_guard.new.finish import move_in, say_follow_ups
from migration_guard.new.outcome import finished, no_change, say, say_detected
from migration_guard.new.show import show
from migration_guard.new.source import down_revision_of

if TYPE_CHECKING:
    from migration_guard.new.document import NewRecord
    from migration_guard.new.outcome import Outcome
    from migration_guard.new.overlay import Overlay
    from migration_guard.project.opened import Project


def generate_local(
    project: Project, overlay: Overlay, description: str, record: NewRecord
) -> Outcome:
    """Steps 2-5 on the local runner; the user's tree is written once, at the end."""
    from migration_guard.new.autogen_local import autogenerate_local
    from migration_guard.render.downgrade import PreparedDowngrade
    from migration_guard.render.offline import OfflineRenderer

    settings = overlay.project.alembic
    say("\n2. Autogenerate against a private PostgreSQL at head (your own database is never used):")
    # The upgrade render's child imports Alembic while autogenerate runs; the downgrade render
    # then runs beside it (two children: as many as the cores a laptop can spare).
    with OfflineRenderer() as renderer:
        result = autogenerate_local(
            settings,
            description,
            project.config.database_url_env,
            say=say,
            tree=overlay.root,
            postgres=project.config.postgres_choice,
        )
        if result.path is None or result.revision is None:
            return no_change()
        say_detected(result.changes, record)
        relative = result.path.resolve().relative_to(overlay.root.resolve())
        from migration_guard.new.fix import apply_fix_hook

        # its own render: `renderer` renders once, for step 4
        apply_fix_hook(overlay.project, result.revision, result.path, relative, record)
        parent = down_revision_of(result.path.read_text(encoding="utf-8"))
        with PreparedDowngrade(settings, project.config.database_url_env) as downgrade:
            downgrade.start(result.revision, parent)
            findings = show(
                overlay.project,
                result.revision,
                result.path,
                relative,
                downgrade.sql,
                record,
                renderer,
            )
    final = project.root / relative
    if record.dry_run:
        say(f"\nDry run: would write {relative.as_posix()}; nothing was written.")
        written = None
        record.would_write = relative.as_posix()
    else:
        move_in(result.path, final)
        say(f"\nMigration generated: {relative.as_posix()}")
        written = final
        record.path = relative.as_posix()
    record.commands = say_follow_ups(project, "local")
    return finished(written, result.revision, findings)
