"""Which revisions a verb judges: named on the command line (ids, prefixes, labels, ``heads``),
added since a base, staged in the index, or the whole history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from migration_guard.errors import InputError

if TYPE_CHECKING:
    from pathlib import Path

    from migration_guard.graph.model import RevisionGraph
    from migration_guard.project.opened import Project


def select_revisions(project: Project, graph: RevisionGraph, arguments: object) -> list[str]:
    """The revisions named on the command line, added since a base, staged, or all of them."""
    names: list[str] = list(getattr(arguments, "revisions", []) or [])
    base: str | None = getattr(arguments, "base", None)
    if names:
        return [rev for name in names for rev in resolve_revision(graph, name)]
    if base:
        from migration_guard.graph.base import compare_with_base

        return list(compare_with_base(graph, project.alembic, project.root, base).new_revisions)
    if getattr(arguments, "staged", False):
        return staged_revisions(project, graph)
    return list(graph.revisions)


def resolve_revision(graph: RevisionGraph, name: str) -> list[str]:
    """A full id, a branch label, ``head``/``heads``, or an unambiguous id prefix, as Alembic takes them."""
    if name == "heads" or (name == "head" and len(graph.heads) == 1):
        return list(graph.heads)
    if name == "head":
        raise InputError(
            f"'head' is ambiguous: {len(graph.heads)} heads ({', '.join(graph.heads)})"
        )
    resolved = graph.resolve(name)
    if resolved is not None:
        return [resolved]
    matches = [rev for rev in graph.revisions if rev.startswith(name)]
    if len(matches) == 1:
        return matches
    if matches:
        raise InputError(f"revision {name!r} is ambiguous: {', '.join(matches)}")
    raise InputError(f"no revision {name!r} in the history")


def staged_revisions(project: Project, graph: RevisionGraph) -> list[str]:
    """Revisions whose files are added or modified in the git index."""
    from migration_guard.git.repo import fs_name, git, names, top_level

    top = top_level(project.root)
    staged = names(git(top, "diff", "--cached", "--name-only", "--diff-filter=AM", "-z"))
    return revisions_at(project, graph, {(top / fs_name(name)).resolve() for name in staged})


def revisions_at(project: Project, graph: RevisionGraph, paths: set[Path]) -> list[str]:
    """The revisions whose files are ``paths`` (absolute, resolved)."""
    return [
        rev
        for rev, file in graph.revisions.items()
        if (project.root / file.path).resolve() in paths
    ]
