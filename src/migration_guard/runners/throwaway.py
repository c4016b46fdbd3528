"""A throwaway database at any point of the history, cloned from a cached template.

:func:`database_at` is the piece every job shares: start (or reuse) the cached server, find or
build the template holding the history up to the given revisions, and yield a fresh copy of
it that is dropped afterwards. Jobs then run in a pinned child (:mod:`migration_guard.runners.child`).
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Callable, Iterator, Sequence

from migration_guard.alembic_ini import AlembicSettings
from migration_guard.runners import templates
from migration_guard.runners.child import with_installed_driver
from migration_guard.runners.cluster import cluster
from migration_guard.runners.postgres import databases as pg


@contextlib.contextmanager
def database_at(
    settings: AlembicSettings,
    database_url_env: str,
    revisions: Sequence[str],
    *,
    say: Callable[[str], None] = print,
) -> Iterator[str]:
    """The URL of a fresh database holding the history up to ``revisions`` (none: empty)."""
    with cluster(say) as server:
        work = f"{templates.WORK_PREFIX}{uuid.uuid4().hex[:12]}"
        template = (
            template_for(server.url, settings, database_url_env, revisions, say)
            if revisions
            else None
        )
        # Created inside the try: Ctrl-C lands after the server made it, before Python returns.
        try:
            yield pg.create_database(server.url, work, template=template)
        finally:
            templates.drop_quietly(server.url, work)


def template_for(
    server_url: str,
    settings: AlembicSettings,
    database_url_env: str,
    revisions: Sequence[str],
    say: Callable[[str], None],
) -> str:
    """The cached template at ``revisions`` (built by ``alembic upgrade`` when missing)."""
    key = hashlib.sha256(
        (templates.history_key(settings) + "\0" + "\0".join(sorted(revisions))).encode()
    ).hexdigest()
    template = templates.TEMPLATE_PREFIX + key[:24]
    if pg.database_exists(server_url, template):
        say("  template database found in the cache: history not replayed")
        return template
    say("  replaying the history into a fresh template database (cached for next time)")
    building = f"{templates.BUILD_PREFIX}{uuid.uuid4().hex[:12]}"
    try:
        target = pg.create_database(server_url, building)
        for revision in revisions:
            templates.run_alembic(
                settings, ["upgrade", revision], database_url_env, with_installed_driver(target)
            )
        pg.execute(
            server_url,
            f"ALTER DATABASE {pg.quote_identifier(building)} RENAME TO {pg.quote_identifier(template)}",
        )
    except BaseException:
        templates.drop_quietly(server_url, building)
        raise
    templates.prune_templates(server_url, keep=template)
    return template
