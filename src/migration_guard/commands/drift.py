"""``drift [--staged]``: do the models match the migration history of the same tree?

The committed tree (HEAD), or with ``--staged`` the index; never the work tree or untracked
files, never the user's database. Each pending autogenerate operation is one
``models-without-migration`` problem; exit 1 when there is any.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.config.pyproject import Config, load_config
from migration_guard.findings import Problem, Report
from migration_guard.project.opened import Project
from migration_guard.runners.leftovers import scratch_folder

if TYPE_CHECKING:
    from migration_guard.drift.job import GenerateAlong
    from migration_guard.project.tree_export import ExportedTree


def run(invocation: Invocation) -> int:
    arguments = invocation.arguments
    # the config only: alembic.ini and the revisions are read from git (a sparse checkout
    # may not have them on disk)
    problems = tree_drift(load_config(invocation.project), staged=bool(arguments.staged))
    invocation.emit(Report(command="drift", problems=problems))
    return exit_codes.FINDINGS if problems else exit_codes.OK


def tree_drift(project: Project | Config, *, staged: bool) -> tuple[Problem, ...]:
    """The drift problems of the index (``staged``) or of HEAD."""
    from migration_guard.project.tree_export import export_project, require_head

    if not staged:
        require_head(project.root)
    with scratch_folder("migration-guard-drift-") as scratch:
        tree = export_project(project, Path(scratch) / "export", commit=None if staged else "HEAD")
        return exported_drift(tree)


def exported_drift(tree: ExportedTree, along: GenerateAlong | None = None) -> tuple[Problem, ...]:
    """The drift problems of a tree already exported from git."""
    from migration_guard.drift.compare import drift_problems
    from migration_guard.runners.progress import progress

    progress(f"migration-guard: drift of {tree.what}")
    return drift_problems(tree, say=progress, along=along)
