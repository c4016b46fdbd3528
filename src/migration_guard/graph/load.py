"""Builds the revision graph of the work tree or of a git commit."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from migration_guard.config.alembic_ini import AlembicSettings
from migration_guard.findings import Problem
from migration_guard.graph.cache import ParseCache
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.revision_file import (
    RevisionFile,
    RevisionFileError,
    read_revision_source,
)
from migration_guard.graph.scan import SourceFile, scan_work_tree


def graph_from_sources(
    sources: Iterable[SourceFile], cache: ParseCache | None = None
) -> RevisionGraph:
    """Read every source statically; unreadable files become ``parse-error`` problems."""
    files: list[RevisionFile] = []
    problems: list[Problem] = []
    for source in sources:
        outcome = _read(source, cache)
        if isinstance(outcome, RevisionFile):
            files.append(outcome)
        else:
            problems.append(outcome)
    if cache is not None:
        cache.save()
    return RevisionGraph.build(files, problems)


def work_tree_graph(settings: AlembicSettings, root: Path) -> RevisionGraph:
    """The graph of the revision files as they are on disk now."""
    scope = "|".join(str(location) for location in settings.version_locations)
    scope += f"|{settings.recursive_version_locations}|{root}"
    return graph_from_sources(
        scan_work_tree(settings.version_locations, settings.recursive_version_locations, root),
        ParseCache(scope),
    )


def _read(source: SourceFile, cache: ParseCache | None) -> RevisionFile | Problem:
    cached = cache.get(source.cache_key) if cache is not None else None
    if cached is not None:
        return _from_cache(cached, source.path)
    try:
        outcome: RevisionFile | Problem = read_revision_source(
            source.read(), source.path, source.filename
        )
    except RevisionFileError as error:
        outcome = Problem(
            code="parse-error",
            message=f"{source.path}:{error.line}: {error}",
            path=source.path,
            line=error.line,
        )
    if cache is not None:
        cache.put(source.cache_key, _to_cache(outcome))
    return outcome


def _to_cache(outcome: RevisionFile | Problem) -> dict[str, Any]:
    if isinstance(outcome, Problem):
        return {"problem": [outcome.message, outcome.line]}
    return {
        "revision": [
            outcome.revision,
            list(outcome.down_revisions),
            list(outcome.depends_on),
            list(outcome.branch_labels),
            outcome.line,
            outcome.down_revision_line,
            outcome.labels_known,
            outcome.depends_known,
        ]
    }


def _from_cache(entry: dict[str, Any], path: str) -> RevisionFile | Problem:
    if "problem" in entry:
        message, line = entry["problem"]
        return Problem(code="parse-error", message=message, path=path, line=line)
    revision, down, depends, labels, line, down_line, labels_known, depends_known = entry[
        "revision"
    ]
    return RevisionFile(
        revision=revision,
        down_revisions=tuple(down),
        depends_on=tuple(depends),
        branch_labels=tuple(labels),
        path=path,
        line=line,
        down_revision_line=down_line,
        labels_known=labels_known,
        depends_known=depends_known,
    )
