"""What the rules know of a project before the revisions a run lints or traces.

``lint`` and ``trace`` both give the rules this history: the ancestors of the chosen
revisions that are not chosen themselves, read statically from their files (rendering or
running them would cost as much as the run itself), and the project's soft-delete convention.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.order import upgrade_order

if TYPE_CHECKING:
    from migration_guard.rules.base import RuleSettings
    from migration_guard.rules.history import History


def project_history(
    root: Path, graph: RevisionGraph, chosen: Iterable[str], settings: RuleSettings
) -> History:
    """The history the rules start from when ``chosen`` revisions of the project at ``root``
    are linted or traced, in upgrade order, each recorded after its own check."""
    from migration_guard.rules.history import History

    history = History(in_project=True)
    _read_earlier_revisions(root, graph, set(chosen), history)
    if not settings.soft_delete_columns_explicit:
        from migration_guard.readers.history_scan import table_has_all

        # read only if a migration adds part of the set: most runs never need it
        history.soft_delete_pairs = partial(
            table_has_all,
            root,
            [file.path for file in graph.revisions.values()],
            settings.soft_delete_columns,
        )
    return history


def _read_earlier_revisions(
    root: Path, graph: RevisionGraph, chosen: set[str], history: History
) -> None:
    from migration_guard.readers.static_upgrade import upgrade_statements

    earlier = graph.ancestors(*chosen)
    if not earlier:
        return
    for revision in upgrade_order(graph, earlier):
        history.record(upgrade_statements(root / graph.revisions[revision].path))
