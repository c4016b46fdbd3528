"""A throwaway database at any point of the history, cloned from a cached template.

:func:`database_at` is the piece every job shares: start (or reuse) the cached server, find or
build the template holding the history up to the given revisions, and yield a fresh copy of
it that is dropped afterwards. Jobs then run in a pinned child (:mod:`migration_guard.runners.child`).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator, Sequence

from migration_guard.config.alembic_ini import AlembicSettings
from migration_guard.runners import templates
from migration_guard.runners.child import with_installed_driver
from migration_guard.runners.cluster import cluster, say_standins_used
from migration_guard.runners.postgres import databases as pg


@contextlib.contextmanager
def database_at(
    settings: AlembicSettings,
    database_url_env: str,
    revisions: Sequence[str],
    *,
    say: Callable[[str], None] = print,
    postgres: str = "auto",
) -> Iterator[str]:
    """The URL of a fresh database holding the history up to ``revisions`` (none: empty), on
    the server ``postgres`` chooses."""
    with cluster(say, postgres) as server:
        template = (
            template_for(server.url, settings, database_url_env, revisions, say)
            if revisions
            else None
        )
        with templates.work_database(server.url, template) as url:
            yield url
            say_standins_used(server, url, say)  # what the history or the job itself created


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
    with templates.building_template(server_url, template) as target:
        for revision in revisions:
            templates.run_alembic(
                settings, ["upgrade", revision], database_url_env, with_installed_driver(target)
            )
    templates.prune_templates(server_url, keep=template)
    return template
