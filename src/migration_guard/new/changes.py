"""Step 1 of ``new``: say which model files changed; for the hook, extract them as staged."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.errors import ConfigError, InputError
from migration_guard.new.outcome import say

if TYPE_CHECKING:
    from migration_guard.project.models_diff import ModelFileChange
    from migration_guard.project.opened import Project


def say_what_changed(
    project: Project, staged: bool, replace: dict[Path, Path]
) -> list[ModelFileChange]:
    """Step 1: changed model files and the tables/columns they touch; syntax errors stop here."""
    from migration_guard.project.models_diff import changed_model_files, check_syntax

    versions = project.alembic.version_locations
    where = "staged" if staged else "in the work tree"
    say(f"\n1. What changed (model files that differ from HEAD, {where}):")
    try:
        changes = changed_model_files(
            project.root, project.config.models, staged=staged, versions=versions
        )
    except InputError as error:
        if "not inside a git repository" not in str(error):
            raise
        changes = []
        say("  (not a git repository: cannot compare with HEAD)")
    for folder in project.config.models:
        real = (project.root / folder).resolve()
        # a staged copy's revisions are where the real ones are, under the copy
        copy = replace.get(real, real)
        in_copy = [copy / p.resolve().relative_to(real) for p in versions if _under(p, real)]
        check_syntax(copy, folder, [*versions, *in_copy])
    if not changes:
        say("  no model file differs from HEAD")
    for change in changes:
        say(f"  {change.path} ({change.status})")
        for detail in change.details:
            say(f"    - {detail}")
    return list(changes)


def staged_models(project: Project, scratch: Path) -> dict[Path, Path]:
    """Extract the models folders as staged (``git checkout-index``); map real folder → copy."""
    from migration_guard.git.repo import top_level
    from migration_guard.project.tree_export import export_index_folders

    top_path = top_level(project.root)
    folders = {}
    for folder in project.config.models:
        real = (project.root / folder).resolve()
        try:
            folders[real] = real.relative_to(top_path).as_posix()
        except ValueError:
            raise ConfigError(
                f"models folder {real} is outside the git repository {top_path}"
            ) from None
    index = scratch / "index"
    export_index_folders(top_path, list(folders.values()), index, scratch)
    return {real: index / relative for real, relative in folders.items()}


def _under(path: Path, folder: Path) -> bool:
    resolved = path.resolve()
    return resolved == folder or folder in resolved.parents
