"""In the child that just generated a revision: its upgrade and rollback SQL, offline.

That child has imported Alembic, env.py and the project's models already; rendering there costs
a tenth of a second where a render child of its own costs the whole import again (half a second
and more for a SQLModel app, on the commit's critical path). It stays pinned to its throwaway
database: an env.py that connects even in offline mode reaches that database, never the user's.
The upgrade is rendered exactly as :mod:`migration_guard.render.worker` renders it (statement
by statement, with lines, for the lint); the rollback as ``alembic downgrade REV:PARENT --sql``,
first, before the render's patches to Alembic's bookkeeping.
"""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path
from typing import Any


def render_generated(
    ini_path: Path, revision: str, parent: str | None, database_url_env: str
) -> dict[str, Any] | None:
    """``{"upgrade": <the render worker's entry>, "downgrade": Alembic's output, or
    "downgrade_failed": why}`` (read by :func:`downgrade_sql`); None when it could not be done
    here (the parent then renders in children of its own, as before)."""
    try:
        downgrade = _downgrade(ini_path, revision, parent, database_url_env)
        return {**downgrade, "upgrade": _upgrade(ini_path, revision, database_url_env)}
    except Exception:
        return None


def downgrade_sql(rendered: dict[str, Any], revision: str) -> str:
    """The parent's side: the rollback statements of ``revision`` (Alembic's bookkeeping left
    out), or the one-line note of why they could not be rendered."""
    from migration_guard.render.downgrade import revision_statements

    if "downgrade_failed" in rendered:
        return f"(could not render the downgrade offline: {rendered['downgrade_failed']})"
    return revision_statements(str(rendered.get("downgrade", "")), revision)


def _downgrade(
    ini_path: Path, revision: str, parent: str | None, database_url_env: str
) -> dict[str, str]:
    """Alembic's ``--sql`` output, cut into statements by the parent (which has the SQL reader
    loaded for the lint anyway)."""
    from alembic import command

    from migration_guard.render.offline import PLACEHOLDER_URL
    from migration_guard.runners.alembic_import import alembic_config
    from migration_guard.runners.child import with_installed_driver

    os.environ[database_url_env] = with_installed_driver(PLACEHOLDER_URL)
    output = StringIO()
    config = alembic_config(ini_path, output_buffer=output)
    try:
        command.downgrade(config, f"{revision}:{parent or 'base'}", sql=True)
    except Exception as error:
        from migration_guard.runners.child import one_line

        return {"downgrade_failed": one_line(error)}
    return {"downgrade": output.getvalue()}


def _upgrade(ini_path: Path, revision: str, database_url_env: str) -> dict[str, Any]:
    from migration_guard.render.offline import PLACEHOLDER_URL
    from migration_guard.render.worker import RenderRequest, render

    entries: list[dict[str, Any]] = []
    request = RenderRequest(str(ini_path), (revision,), database_url_env, PLACEHOLDER_URL, {})
    render(request, entries.append, pin_here=False)
    (entry,) = entries
    return entry
