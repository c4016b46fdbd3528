"""Upgrade order: every revision after everything it builds on."""

from __future__ import annotations

from collections.abc import Iterable

from migration_guard.graph.model import RevisionGraph


def upgrade_order(graph: RevisionGraph, wanted: Iterable[str] | None = None) -> list[str]:
    """``wanted`` (default: all) sorted parents-first, ties in file order; cycles are left out."""
    pending = {
        rev: {parent for parent in graph.ancestors_direct(rev) if parent in graph.revisions}
        for rev in graph.revisions
    }
    children = graph.dependents()
    ready = [rev for rev, parents in pending.items() if not parents]
    ordered: list[str] = []
    while ready:
        current = ready.pop(0)
        ordered.append(current)
        for child in children[current]:
            parents = pending[child]
            parents.discard(current)
            if not parents:
                ready.append(child)
    if wanted is None:
        return ordered
    chosen = set(wanted)
    return [rev for rev in ordered if rev in chosen]
