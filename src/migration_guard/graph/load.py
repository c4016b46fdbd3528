"""Builds the revision graph of the work tree or of a git commit."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from migration_guard.alembic_ini import AlembicSettings
from migration_guard.findings import Problem
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.revision_file import RevisionFile, RevisionFileError, read_revision_source
from migration_guard.graph.scan import SourceFile, scan_work_tree


def graph_from_sources(sources: Iterable[SourceFile]) -> RevisionGraph:
    """Read every source statically; unreadable files become ``parse-error`` problems."""
    files: list[RevisionFile] = []
    problems: list[Problem] = []
    for source in sources:
        try:
            files.append(read_revision_source(source.source, source.path, source.filename))
        except RevisionFileError as error:
            problems.append(
                Problem(
                    code="parse-error",
                    message=f"{source.path}:{error.line}: {error}",
                    path=source.path,
                    line=error.line,
                )
            )
    return RevisionGraph.build(files, problems)


def work_tree_graph(settings: AlembicSettings, root: Path) -> RevisionGraph:
    """The graph of the revision files as they are on disk now."""
    return graph_from_sources(
        scan_work_tree(settings.version_locations, settings.recursive_version_locations, root)
    )
