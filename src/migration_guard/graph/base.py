"""Compares the work tree's graph with a base ref's: new revisions must descend from its head."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from migration_guard.config.alembic_ini import AlembicSettings
from migration_guard.findings import Problem
from migration_guard.graph.cache import ParseCache
from migration_guard.graph.load import graph_from_sources
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.scan import scan_git_tree


@dataclass(frozen=True)
class BaseComparison:
    """The base's graph, the revisions that exist here and not there, and the stale ones."""

    ref: str
    base_graph: RevisionGraph
    new_revisions: tuple[str, ...]
    problems: tuple[Problem, ...]

    @property
    def base_heads(self) -> tuple[str, ...]:
        return self.base_graph.heads

    def explain(self, problem: Problem) -> Problem:
        """A ``missing-parent`` naming the base's head: the branch has not merged the base."""
        if problem.code != "missing-parent" or problem.revisions[-1] not in self.base_heads:
            return problem
        rev, parent = problem.revisions[0], problem.revisions[-1]
        return replace(
            problem,
            message=(
                f"revision {rev} names down_revision {parent}, the head of {self.ref}, which is "
                f"not in this tree: run `git merge {self.ref}` (or `git rebase {self.ref}`)"
            ),
        )


def compare_with_base(
    graph: RevisionGraph, settings: AlembicSettings, project: Path, ref: str
) -> BaseComparison:
    """Read the base's revision files from git objects (no checkout) and compare."""
    from migration_guard.git.repo import merge_base, open_repo, repo_relative, resolve_ref

    repo = open_repo(project)
    base_commit = resolve_ref(repo, ref)
    merge_base(repo, ref, base_commit)
    locations = tuple(repo_relative(repo, location) for location in settings.version_locations)
    base_graph = graph_from_sources(
        scan_git_tree(base_commit.tree, locations, settings.recursive_version_locations),
        ParseCache(f"git-blobs|{repo.git_dir}"),
    )
    return compare_graphs(graph, base_graph, ref)


def compare_graphs(graph: RevisionGraph, base_graph: RevisionGraph, ref: str) -> BaseComparison:
    new = tuple(rev for rev in graph.revisions if rev not in base_graph.revisions)
    new_set = set(new)
    base_heads = base_graph.heads
    problems: list[Problem] = []
    absent = [head for head in base_heads if head not in graph.revisions]
    merge_first = f"run `git merge {ref}` first, then " if absent else ""
    for rev in new:
        file = graph.revisions[rev]
        if any(parent in new_set for parent in file.down_revisions):
            continue  # not the first new revision of its line: judged through its parent
        # a head named but absent from this tree is a missing-parent (see explain), not stale
        named = _named_ancestry(graph, rev)
        missing = [head for head in base_heads if head not in named]
        if not missing:
            continue
        current = ", ".join(file.down_revisions) or "None"
        wanted = missing[0] if len(base_heads) == 1 else ", ".join(base_heads)
        problems.append(
            Problem(
                code="not-on-base-head",
                message=(
                    f"revision {rev} has down_revision {current}, but the head of {ref} is "
                    f"{', '.join(base_heads)}: {merge_first}set down_revision = "
                    f"{_python_literal(base_heads)} (or run `migration-guard rebase`)"
                ),
                revisions=(rev, *file.down_revisions, *base_heads),
                path=file.path,
                line=file.down_revision_line,
                help=f"point {rev} at {wanted}",
            )
        )
    return BaseComparison(
        ref=ref, base_graph=base_graph, new_revisions=new, problems=tuple(problems)
    )


def _named_ancestry(graph: RevisionGraph, revision: str) -> set[str]:
    """The ancestors of ``revision`` plus every id they (or it) name, present in the tree or not."""
    known = graph.ancestors(revision) | {revision}
    return known | {parent for rev in known for parent in graph.ancestors_direct(rev)}


def _python_literal(heads: tuple[str, ...]) -> str:
    if len(heads) == 1:
        return repr(heads[0])
    return "(" + ", ".join(repr(head) for head in heads) + ")"
