"""Writing revision files and reading them back as a graph, for the graph tests."""

from __future__ import annotations

from pathlib import Path

from migration_guard.graph.load import graph_from_sources
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.scan import scan_work_tree


def revision_source(
    revision: str,
    down: str | tuple[str, ...] | None,
    *,
    labels: str | tuple[str, ...] | None = None,
    depends_on: str | tuple[str, ...] | None = None,
    annotated: bool = False,
) -> str:
    header = f'"""{revision}\n\nRevision ID: {revision}\nRevises: {down}\n"""\n'
    if annotated:
        return (
            header
            + "from typing import Sequence, Union\n\n"
            + f"revision: str = {revision!r}\n"
            + f"down_revision: Union[str, Sequence[str], None] = {down!r}\n"
            + f"branch_labels: Union[str, Sequence[str], None] = {labels!r}\n"
            + f"depends_on: Union[str, Sequence[str], None] = {depends_on!r}\n\n\n"
            + "def upgrade() -> None:\n    pass\n\n\ndef downgrade() -> None:\n    pass\n"
        )
    return (
        header
        + f"revision = {revision!r}\ndown_revision = {down!r}\n"
        + f"branch_labels = {labels!r}\ndepends_on = {depends_on!r}\n\n"
        + "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    )


def write_revision(folder: Path, filename: str, *args: object, **kwargs: object) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    path.write_text(revision_source(*args, **kwargs))  # type: ignore[arg-type]
    return path


def read_graph(*folders: Path, recursive: bool = False, root: Path | None = None) -> RevisionGraph:
    return graph_from_sources(scan_work_tree(tuple(folders), recursive, root or folders[0].parent))
