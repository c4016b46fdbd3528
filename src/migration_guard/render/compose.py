"""Renders revisions offline inside the compose ``backend`` service (config ``runner = "docker"``).

Each revision is rendered on its own (``alembic upgrade DOWN:REV --sql``) so one that cannot be
rendered is reported and the rest are still linted. No database is touched: ``--sql`` is offline.
Statements carry no line (the container's file paths are not ours to map back).
"""

from __future__ import annotations

from migration_guard.project import Project
from migration_guard.render.offline import RenderedRevision, RenderedStatement


def render_in_compose(project: Project, revisions: list[str]) -> list[RenderedRevision]:
    """Render ``revisions`` with ``docker compose run --rm backend alembic upgrade … --sql``."""
    from migration_guard.runners.docker import open_compose
    from migration_guard.sql.split import split_revisions

    compose = open_compose(project.config)
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
            lines = [line.strip() for line in completed.stderr.splitlines() if line.strip()]
            results.append(RenderedRevision(revision, (), lines[-1] if lines else "alembic failed"))
            continue
        statements = tuple(
            RenderedStatement(sql=raw.text.strip(), line=None)
            for block in split_revisions(completed.stdout)
            if block.revision == revision
            for raw in block.statements
        )
        results.append(RenderedRevision(revision, statements))
    return results
