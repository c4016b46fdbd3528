"""What one project's job could leave in the shared cluster for the next project, as a hash.

Every job runs the project's migrations as the cluster's superuser, and a migration can reach
past its own database: ``ALTER SYSTEM``, ``CREATE ROLE``, ``ALTER ROLE … SET``, a second
connection into ``template1`` (which every new database copies), another database. The cached
cluster (:mod:`migration_guard.runners.cluster`) takes this fingerprint when it is made, checks
it after each job (and before the next one when a job was killed before its check), and discards the cluster (with its
template cache) when it differs, so the next job starts from a clean one.

The fingerprint covers the configuration files (``postgresql.auto.conf`` among them), roles and
their memberships and settings, databases other than ours (``mg_tpl_*``, ``mg_build_*``,
``mg_work_*``) with their flags and settings, tablespaces, subscriptions, and every catalog of
``template1`` and ``postgres`` (where each row version lives and which transaction wrote it, so
any insert, update or delete shows, while ``VACUUM``/``ANALYZE``, which update statistics in
place, do not; ``pg_statistic`` not at all). It is computed by the server, so the same state
gives the same hash whichever client asked.

Not covered: what a migration does to another project's template database (it would have to
look for it on purpose), or to the server's files through ``COPY … TO PROGRAM``. Code that sets
out to do that runs with your rights anyway (see SECURITY.md).
"""

from __future__ import annotations

import hashlib

from migration_guard.runners.postgres import databases as pg

OUR_DATABASES = "^mg_(tpl|build|work)_"
"""The databases jobs make and drop (see :mod:`migration_guard.runners.templates`)."""

WATCHED_DATABASES = ("template1", "postgres")

_CLUSTER_WIDE = (
    "SELECT name, md5(coalesce(pg_read_file(name, 0, 16777216, true), '')) FROM unnest("
    "ARRAY['postgresql.conf', 'postgresql.auto.conf', 'pg_hba.conf', 'pg_ident.conf']) AS name",
    "SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin,"
    " rolreplication, rolbypassrls, rolconnlimit, rolpassword, rolvaliduntil FROM pg_authid",
    "SELECT roleid::regrole::text, member::regrole::text, admin_option FROM pg_auth_members",
    "SELECT coalesce(d.datname, ''), coalesce(r.rolname, ''), s.setconfig"
    " FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase"
    " LEFT JOIN pg_authid r ON r.oid = s.setrole"
    f" WHERE d.datname IS NULL OR d.datname !~ '{OUR_DATABASES}'",
    "SELECT datname, datdba::regrole::text, encoding, datistemplate, datallowconn, datconnlimit,"
    f" datacl, dattablespace FROM pg_database WHERE datname !~ '{OUR_DATABASES}'",
    "SELECT spcname, spcacl, spcoptions FROM pg_tablespace",
    "SELECT subname, subdbid FROM pg_subscription",
)

_SKIPPED_CATALOGS = ("pg_statistic", "pg_statistic_ext_data")


def _hashed(statement: str) -> str:
    """``statement``'s rows as one md5, computed by the server."""
    return (
        "SELECT coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')"
        f" FROM ({statement}) AS t"
    )


def _catalogs(run: pg.Run) -> list[str]:
    """The database's own catalogs (those ``pg_catalog`` tables not shared by the cluster)."""
    skipped = ", ".join(f"'{name}'" for name in _SKIPPED_CATALOGS)
    rows = run(
        "SELECT relname FROM pg_catalog.pg_class WHERE relnamespace = 'pg_catalog'::regnamespace"
        f" AND relkind = 'r' AND NOT relisshared AND relname NOT IN ({skipped}) ORDER BY relname",
        True,
    )
    return [str(row[0]) for row in rows]


def _catalogs_statement(catalogs: list[str]) -> str:
    """Where each row of ``catalogs`` lives and which transaction wrote it, summed: any insert,
    update or delete changes it (a new row version has a new ctid and xmin), while VACUUM and
    ANALYZE, which update pg_class's statistics in place, do not. A scan, no sort: cheap."""
    each = (
        "SELECT count(*) || '/' || coalesce(sum(hashtext(ctid::text || '/' || xmin::text)), 0)"
        " FROM pg_catalog.{}"
    )
    return "SELECT " + ", ".join(f"({each.format(pg.quote_identifier(name))})" for name in catalogs)


def fingerprint(server_url: str) -> str:
    """The hash of everything a job could leave for the next one (see the module's doc): one
    connection to each of :data:`WATCHED_DATABASES`, the cluster-wide part on the first."""
    digest = hashlib.sha256()
    wide = "SELECT " + ", ".join(f"({_hashed(statement)})" for statement in _CLUSTER_WIDE)
    for number, database in enumerate(WATCHED_DATABASES):
        with pg.session(pg.database_url(server_url, database)) as run:
            rows = run(wide, True) if number == 0 else []
            catalogs = _catalogs(run)
            rows += run(_catalogs_statement(catalogs), True)
        digest.update(f"\0{database}\0{','.join(catalogs)}\0".encode())
        for row in rows:
            digest.update("\0".join(str(value) for value in row).encode() + b"\0")
    return digest.hexdigest()
