"""Renders revisions offline inside the compose ``backend`` service (config ``runner = "docker"``).

Each revision is rendered on its own (``alembic upgrade DOWN:REV --sql``) so one that cannot be
rendered is reported and the rest are still linted. No database is touched: ``--sql`` is offline.
Statements carry no line (the container's file paths are not ours to map back); a revision that
fails points at the line its traceback names in the file of the same name.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from migration_guard.project.opened import Project
from migration_guard.render.offline import RenderedRevision, RenderedStatement


def render_in_compose(project: Project, revisions: list[str]) -> list[RenderedRevision]:
    """Render ``revisions`` with ``docker compose run --rm backend alembic upgrade … --sql``.

    Several revisions: one container renders the whole history (``upgrade heads --sql``) and each
    revision takes its own ``-- Running upgrade`` block; only if that fails is each revision
    rendered in a container of its own, so the one that cannot be rendered is named.
    """
    from migration_guard.runners.docker import open_compose
    from migration_guard.runners.process import failure_reason

    compose = open_compose(project.config)
    if len(revisions) > 1:
        completed = compose.run(
            "run", "--rm", compose.service, "alembic", "upgrade", "heads", "--sql", check=False
        )
        if completed.returncode == 0:
            blocks = _blocks(completed.stdout)
            if all(revision in blocks for revision in revisions):
                return [RenderedRevision(revision, blocks[revision]) for revision in revisions]
    graph = project.graph()
    results: list[RenderedRevision] = []
    for revision in revisions:
        file = graph.revisions.get(revision)
        parents = file.down_revisions if file is not None else ()
        target = f"{parents[0]}:{revision}" if len(parents) == 1 else revision
        completed = compose.run(
            "run", "--rm", compose.service, "alembic", "upgrade", target, "--sql", check=False
        )
        if completed.returncode != 0:
            name = PurePosixPath(file.path).name if file is not None else None
            results.append(
                RenderedRevision(
                    revision,
                    (),
                    failure_reason(completed.stderr)
                    if completed.stderr.strip()
                    else "alembic failed",
                    error_line=_raising_line(completed.stderr, name) if name else None,
                )
            )
            continue
        results.append(RenderedRevision(revision, _blocks(completed.stdout).get(revision, ())))
    return results


_TRACEBACK_FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+)', re.MULTILINE)


def _raising_line(stderr: str, file_name: str) -> int | None:
    """The innermost traceback line in the container's copy of the revision file."""
    line = None
    for match in _TRACEBACK_FRAME.finditer(stderr):
        if PurePosixPath(match.group(1)).name == file_name:
            line = int(match.group(2))
    return line


def _blocks(output: str) -> dict[str, tuple[RenderedStatement, ...]]:
    """Each revision's statements in ``alembic upgrade --sql`` output; no lines (see above)."""
    from migration_guard.sql.split import split_revisions

    blocks: dict[str, tuple[RenderedStatement, ...]] = {}
    for block in split_revisions(output):
        if block.revision is None:
            continue
        # as in-process: a migration that starts inside Alembic's transaction opens with BEGIN
        opening = (RenderedStatement("BEGIN;", None),) if block.starts_in_transaction else ()
        body = tuple(RenderedStatement(sql=raw.text.strip(), line=None) for raw in block.statements)
        blocks[block.revision] = opening + body
    return blocks
