"""The template cache: one database per state of the history on the cached cluster.

A template is named by a hash of the versions folder and env.py (:func:`history_key`), built
once by ``alembic upgrade heads`` into a database that takes the template's name when it is
complete (:func:`building_template`), and then copied or read by every job;
the :data:`KEEP_TEMPLATES` most recently used are kept. Every job makes its build and work
databases through :func:`building_template` and :func:`work_database`, which drop them however
the job ends; those of killed runs are dropped when the cluster starts (:func:`drop_leftovers`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from migration_guard.config.alembic_ini import AlembicSettings
from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.postgres import databases as pg
from migration_guard.runners.process import Child, failure_reason

TEMPLATE_PREFIX = "mg_tpl_"
BUILD_PREFIX = "mg_build_"
WORK_PREFIX = "mg_work_"
KEEP_TEMPLATES = 4
LAST_USED = "migration-guard last used "
ALEMBIC_TIMEOUT_SECONDS = 600


def history_key(settings: AlembicSettings) -> str:
    """A hash of everything that decides the schema at head: the revision files and env.py."""
    digest = hashlib.sha256()
    for location in settings.version_locations:
        if not location.is_dir():
            continue
        for directory, subdirs, names in os.walk(location):
            subdirs[:] = sorted(name for name in subdirs if name != "__pycache__")
            for name in sorted(names):
                if name.endswith(".py"):
                    path = Path(directory, name)
                    digest.update(os.fsencode(path.relative_to(location).as_posix()) + b"\0")
                    digest.update(path.read_bytes() + b"\0")
            if not settings.recursive_version_locations:
                break
    env_py = settings.script_location / "env.py"
    if env_py.is_file():
        digest.update(b"env.py\0" + env_py.read_bytes())
    return digest.hexdigest()


def make_read_only(url: str, template: str) -> None:
    """Every later session in ``template`` reads only (its copies are not affected: a
    database's settings are not copied with it), so jobs that only read need no copy."""
    pg.execute(url, read_only_statement(template))


def read_only_statement(database: str) -> str:
    """The statement that makes every later session in ``database`` read only."""
    return f"ALTER DATABASE {pg.quote_identifier(database)} SET default_transaction_read_only = on"


def alembic_failed(arguments: list[str], why: str) -> EnvironmentProblem:
    """The one line for ``alembic ARGUMENTS`` failing on the private database, ``why`` being
    the error (and the project's line)."""
    return EnvironmentProblem(
        f"`alembic {' '.join(arguments)}` failed on the private database: {why}"
    )


@contextlib.contextmanager
def building_template(url: str, template: str) -> Iterator[str]:
    """The URL of a new database for the block to fill: renamed to ``template`` when the block
    completes, dropped when it does not (Ctrl-C included)."""
    building = f"{BUILD_PREFIX}{uuid.uuid4().hex[:12]}"
    # created inside the try: Ctrl-C can land after the server made it, before Python returns
    try:
        yield pg.create_database(url, building)
        pg.execute(
            url,
            f"ALTER DATABASE {pg.quote_identifier(building)} RENAME TO {pg.quote_identifier(template)}",
        )
    except BaseException:
        drop_quietly(url, building)
        raise


@contextlib.contextmanager
def work_database(url: str, template: str | None = None) -> Iterator[str]:
    """The URL of a new database (a copy of ``template`` if given), dropped after the block."""
    work = f"{WORK_PREFIX}{uuid.uuid4().hex[:12]}"
    try:  # created inside the try, as in building_template
        yield pg.create_database(url, work, template=template)
    finally:
        drop_quietly(url, work)


def drop_quietly(url: str, name: str) -> None:
    """Drop a database of this run; while another error or Ctrl-C propagates, a failure to
    drop it must not replace that (the next run drops what is left)."""
    try:
        pg.drop_database(url, name)
    except EnvironmentProblem:
        if sys.exc_info()[1] is None:
            raise


def drop_leftovers(url: str, say: Callable[[str], None]) -> None:
    """Drop the build and work databases of runs that were killed (SIGKILL, power loss).

    Called with the cache lock held, so no other run is using any of them.
    """
    rows = pg.query(
        url,
        f"SELECT datname FROM pg_database WHERE datname LIKE '{BUILD_PREFIX}%' "
        f"OR datname LIKE '{WORK_PREFIX}%'",
    )
    for (name,) in rows:
        pg.drop_database(url, str(name))
    if rows:
        plural = "" if len(rows) == 1 else "s"
        say(f"  dropped {len(rows)} leftover database{plural} of an interrupted run")


def mark_used(url: str, template: str) -> None:
    """Record when ``template`` was last used (in its comment) for :func:`prune_templates`."""
    stamp = f"{LAST_USED}{time.time_ns():020d}"
    pg.execute(url, f"COMMENT ON DATABASE {pg.quote_identifier(template)} IS '{stamp}'")


def prune_templates(url: str, keep: str) -> None:
    """Drop all but the :data:`KEEP_TEMPLATES` most recently used template databases."""
    rows = pg.query(
        url,
        "SELECT datname FROM pg_database "
        f"WHERE datname LIKE '{TEMPLATE_PREFIX}%' "
        "ORDER BY coalesce(shobj_description(oid, 'pg_database'), '') DESC, oid DESC",
    )
    names = [str(row[0]) for row in rows if row[0] != keep]
    for name in names[KEEP_TEMPLATES - 1 :]:
        pg.drop_database(url, name)


def run_alembic(
    settings: AlembicSettings, arguments: list[str], database_url_env: str, url: str
) -> None:
    """Run the project's Alembic (this Python's) from alembic.ini's folder against ``url``."""
    command = [
        "migration_guard.runners.pinned",
        "-c",
        str(settings.ini_path),
        *arguments,
    ]
    what = f"`alembic {' '.join(arguments)}` on the private database"
    with Child(
        *command,
        what=what,
        cwd=settings.working_dir,
        env=_child_env(database_url_env, url),
        capture_stdout=True,
    ) as child:
        completed = child.finish(ALEMBIC_TIMEOUT_SECONDS)
    if completed.returncode != 0:
        output = completed.stderr or completed.stdout
        raise alembic_failed(arguments, _extension_line(output) or failure_reason(output))


def _child_env(database_url_env: str, url: str) -> dict[str, str]:
    """Whatever URL env.py reads, it connects here, with a driver that is installed (a bare
    ``postgresql://`` means psycopg 3 to SQLAlchemy 2.1, as the other jobs already knew)."""
    from migration_guard.runners.child import pinned_env

    return pinned_env(database_url_env, url)


def _extension_line(text: str) -> str | None:
    """The line saying an extension is not installed (the cluster names the server and the
    fix), which SQLAlchemy's traceback does not end with."""
    from migration_guard.runners.postgres.extensions import unavailable_extension

    return next((line for line in text.splitlines() if unavailable_extension(line)), None)
