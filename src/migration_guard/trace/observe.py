"""What trace reads from PostgreSQL's catalogue while a migration runs (runs in the trace child).

Two connections take part. The migration's own connection sees its uncommitted changes, so it
is asked which tables have a new ``relfilenode`` (were rewritten) and which constraints are
validated. A second, autocommit connection (the observer) reads ``pg_locks`` for the
migration's backend: joined to the committed ``pg_class``, it names only relations that
existed before the migration's transaction, the ones other sessions can be blocked on. The
observer also dumps the normalised catalogue that reversibility is judged on.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

VERSION_TABLE = "alembic_version"

_USER_NAMESPACE = (
    "n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'"
)

_SNAPSHOT = f"""
SELECT 'r', c.oid::text, n.nspname, c.relname, c.relfilenode::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND {_USER_NAMESPACE}
UNION ALL
SELECT 'c', co.oid::text, n.nspname, c.relname || '.' || co.conname, co.convalidated::text
FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE co.contype IN ('c', 'f') AND {_USER_NAMESPACE}
"""

_LOCKS = f"""
SELECT n.nspname, c.relname, l.mode
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.locktype = 'relation' AND l.granted AND l.pid = PID AND {_USER_NAMESPACE}
  AND c.relname NOT IN ('{VERSION_TABLE}', '{VERSION_TABLE}_pkc')
ORDER BY n.nspname, c.relname, l.mode
"""

_NOT_VERSION = f"c.relname <> '{VERSION_TABLE}'"
_CATALOGUE = f"""
SELECT 'table ' || n.nspname || '.' || c.relname || ' kind ' || c.relkind::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND {_USER_NAMESPACE} AND {_NOT_VERSION}
UNION ALL
SELECT 'column ' || n.nspname || '.' || c.relname || '.' || a.attname || ' '
    || format_type(a.atttypid, a.atttypmod)
    || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END
    || COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')
    || CASE WHEN a.attidentity::text <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END
    || CASE WHEN a.attgenerated::text <> '' THEN ' GENERATED' ELSE '' END
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND {_USER_NAMESPACE} AND {_NOT_VERSION}
UNION ALL
SELECT 'index ' || n.nspname || '.' || ic.relname || ': ' || pg_get_indexdef(i.indexrelid)
FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE {_USER_NAMESPACE} AND {_NOT_VERSION}
UNION ALL
SELECT 'constraint ' || n.nspname || '.' || c.relname || '.' || co.conname || ': '
    || pg_get_constraintdef(co.oid)
FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_USER_NAMESPACE} AND {_NOT_VERSION}
UNION ALL
SELECT 'enum ' || n.nspname || '.' || t.typname || ' ('
    || string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')'
FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE {_USER_NAMESPACE}
GROUP BY n.nspname, t.typname
UNION ALL
SELECT 'sequence ' || n.nspname || '.' || c.relname || ' ' || format_type(s.seqtypid, NULL)
    || ' increment ' || s.seqincrement
FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE {_USER_NAMESPACE}
"""


@dataclass(frozen=True)
class Snapshot:
    """Tables' relfilenodes and constraints' validation, as the migration's connection sees them."""

    relfilenodes: dict[str, tuple[str, str]]  # oid -> (name, relfilenode)
    constraints: dict[str, tuple[str, bool]]  # oid -> (table.constraint, validated)


def relation_name(schema: str, name: str) -> str:
    """``name`` in ``public``, else ``schema.name``."""
    return name if schema == "public" else f"{schema}.{name}"


def connect_observer(url: str) -> Any:
    """An autocommit DBAPI connection to ``url``, through a driver this process has loaded
    already (the project's), else SQLAlchemy's default one, else the other: importing a
    second driver only for the observer would cost every trace a twentieth of a second."""
    import importlib

    from migration_guard.runners.child import drivers_in_order

    scheme, _, rest = url.partition("://")
    url = "postgresql://" + rest if scheme.startswith("postgresql") else url
    loaded = [name for name in ("psycopg", "psycopg2") if name in sys.modules]
    error: ImportError | None = None
    for name in dict.fromkeys((*loaded, *drivers_in_order())):
        try:
            driver = importlib.import_module(name)
        except ImportError as missing:
            error = missing
            continue
        if name == "psycopg":
            return driver.connect(url, autocommit=True)
        connection = driver.connect(url)
        connection.autocommit = True
        return connection
    raise error or ImportError("no PostgreSQL driver (psycopg or psycopg2) is installed")


def fetch(connection: Any, statement: str) -> list[Any]:
    """Rows of ``statement`` (no parameters) on a DBAPI connection, through a cursor of its own."""
    cursor = connection.cursor()
    try:
        cursor.execute(statement)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def backend_pid(migration_dbapi: Any) -> int:
    return int(fetch(migration_dbapi, "SELECT pg_backend_pid()")[0][0])


def snapshot(migration_dbapi: Any) -> Snapshot:
    relfilenodes: dict[str, tuple[str, str]] = {}
    constraints: dict[str, tuple[str, bool]] = {}
    for kind, oid, schema, name, value in fetch(migration_dbapi, _SNAPSHOT):
        if kind == "r":
            relfilenodes[oid] = (relation_name(schema, name), value)
        else:
            constraints[oid] = (relation_name(schema, name), value == "true")
    return Snapshot(relfilenodes, constraints)


def rewritten(before: Snapshot, after: Snapshot, existing: set[str]) -> list[str]:
    """Tables (that existed before the migration) whose relfilenode changed between snapshots."""
    return sorted(
        after.relfilenodes[oid][0]
        for oid, (_name, node) in before.relfilenodes.items()
        if oid in existing and oid in after.relfilenodes and after.relfilenodes[oid][1] != node
    )


def constraint_changes(before: Snapshot, after: Snapshot) -> tuple[list[str], list[str]]:
    """(constraints added NOT VALID, constraints validated) between two snapshots."""
    added_not_valid = sorted(
        name
        for oid, (name, valid) in after.constraints.items()
        if oid not in before.constraints and not valid
    )
    validated = sorted(
        name
        for oid, (name, valid) in after.constraints.items()
        if valid and oid in before.constraints and not before.constraints[oid][1]
    )
    return added_not_valid, validated


def held_locks(observer: Any, pid: int) -> list[dict[str, str]]:
    """Relation-level locks ``pid`` holds on relations committed before its transaction."""
    return [
        {"relation": relation_name(schema, name), "mode": mode}
        for schema, name, mode in fetch(observer, _LOCKS.replace("PID", str(int(pid))))
    ]


def existing_tables(observer: Any) -> set[str]:
    """Oids of the committed tables (what a rewrite is judged against)."""
    rows = fetch(
        observer,
        "SELECT c.oid::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind IN ('r', 'm') AND {_USER_NAMESPACE}",
    )
    return {str(row[0]) for row in rows}


def catalogue(observer: Any) -> list[str]:
    """The committed schema as sorted lines (column order and oids left out)."""
    return sorted(str(row[0]) for row in fetch(observer, _CATALOGUE))


def version_heads(observer: Any) -> set[str] | None:
    """The revisions in the version table (empty: none yet; None: not readable)."""
    try:
        if fetch(observer, f"SELECT to_regclass('{VERSION_TABLE}')")[0][0] is None:
            return set()
        rows = fetch(observer, f"SELECT version_num FROM {VERSION_TABLE}")
    except Exception:  # a version table elsewhere (version_table_schema): ask Alembic instead
        return None
    return {str(row[0]) for row in rows}
