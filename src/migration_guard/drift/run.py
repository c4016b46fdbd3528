"""The drift of a tree exported from git: the index (the hook, ``drift --staged``) or HEAD
(``check``, ``drift``), compared on a throwaway database by :mod:`migration_guard.drift.job`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.runners.leftovers import scratch_folder

if TYPE_CHECKING:
    from migration_guard.config.pyproject import Config
    from migration_guard.drift.job import GenerateAlong
    from migration_guard.findings import Problem
    from migration_guard.project.opened import Project
    from migration_guard.project.tree_export import ExportedTree


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
