"""Seeding for ``trace --seed`` (runs in the trace child): rows in tables before the traced revisions.

``seed = True``: every table gets ``ROWS_PER_TABLE`` synthetic rows where its schema allows it.
Each table's insert runs inside its own savepoint; a table whose insert fails (a check
constraint, a foreign key to an empty table, a type we cannot make up) is rolled back and
left empty, so seeding alone never makes a valid history fail. Parents are tried before the
tables that reference them, so foreign keys usually find their rows. Integer columns get
values from ``FIRST_ID`` up, far from the small fixed ids a data migration inserts, and serial
and identity sequences are not advanced. ``seed = "file.sql"``: that file runs instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from migration_guard.runners.trace_observe import VERSION_TABLE, fetch, relation_name

ROWS_PER_TABLE = 3
FIRST_ID = 900_000_001
MAX_PASSES = 4

_TABLES = f"""
SELECT c.oid::text, n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND c.relname <> '{VERSION_TABLE}'
ORDER BY n.nspname, c.relname
"""

_COLUMNS = """
SELECT a.attname, t.typname, t.typtype, a.attnotnull, a.atthasdef, a.attidentity,
       a.attgenerated, information_schema._pg_char_max_length(a.atttypid, a.atttypmod),
       EXISTS (SELECT 1 FROM pg_constraint f WHERE f.conrelid = a.attrelid AND f.contype = 'f'
               AND a.attnum = ANY (f.conkey)),
       (SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = a.atttypid
        ORDER BY e.enumsortorder LIMIT 1),
       t.typcategory
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = {oid}::oid AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""

_INTEGERS = {"int2", "int4", "int8", "numeric", "float4", "float8", "money", "oid"}
_TEXT = {"text", "varchar", "bpchar", "name", "citext"}
_VALUES = {
    "bool": "(%(i)s %% 2 = 0)",
    "date": "current_date",
    "timestamp": "localtimestamp",
    "timestamptz": "now()",
    "time": "localtime",
    "timetz": "current_time",
    "interval": "interval '1 day'",
    "uuid": "md5('mg-seed-' || %(table)s || '-' || %(i)s)::uuid",
    "json": "'{}'::json",
    "jsonb": "'{}'::jsonb",
    "bytea": "'\\x00'::bytea",
    "inet": "'127.0.0.1'::inet",
    "cidr": "'127.0.0.0/8'::cidr",
    "tsvector": "''::tsvector",
}


def seed_database(connection: Any, seed: object) -> list[str]:
    """Seed the database (``True``: synthetic rows; a path: run that SQL); the tables that got rows."""
    if isinstance(seed, str):
        return _run_seed_file(connection, Path(seed))
    tables = [
        (oid, relation_name(schema, name)) for oid, schema, name in fetch(connection, _TABLES)
    ]
    quoted = {
        oid: _quote(schema) + "." + _quote(name) for oid, schema, name in fetch(connection, _TABLES)
    }
    seeded: list[str] = []
    pending = tables
    connection.autocommit = False
    try:
        for _attempt in range(MAX_PASSES):
            failed = []
            for oid, name in pending:
                if _insert_rows(connection, oid, quoted[oid], name):
                    seeded.append(name)
                else:
                    failed.append((oid, name))
            if len(failed) == len(pending):
                break
            pending = failed
        connection.commit()
    finally:
        connection.autocommit = True
    return sorted(seeded)


def _insert_rows(connection: Any, oid: str, quoted_table: str, name: str) -> bool:
    columns = fetch(connection, _COLUMNS.replace("{oid}", str(int(oid))))
    names: list[str] = []
    expressions: list[str] = []
    for (
        column,
        type_name,
        type_type,
        not_null,
        has_default,
        identity,
        generated,
        max_length,
        is_foreign,
        first_label,
        category,
    ) in columns:
        if generated:
            continue
        value = _value(type_name, type_type, category, max_length, first_label)
        if value is None or (is_foreign and not not_null):
            if not_null and not has_default and not identity:
                return False  # a required column we cannot fill
            continue
        if has_default and not not_null and type_name not in _INTEGERS:
            continue
        names.append(_quote(column))
        expressions.append(value)
    rows = ", ".join(
        "(" + ", ".join(e.replace("%(i)s", str(FIRST_ID + i)) for e in expressions) + ")"
        for i in range(ROWS_PER_TABLE)
    )
    literal = "'" + name.replace("'", "''") + "'"
    rows = rows.replace("%(table)s", literal).replace("%%", "%")
    if names:
        statement = (
            f"INSERT INTO {quoted_table} ({', '.join(names)}) OVERRIDING SYSTEM VALUE VALUES {rows}"
        )
    else:
        statement = f"INSERT INTO {quoted_table} DEFAULT VALUES"
    cursor = connection.cursor()
    try:
        cursor.execute("SAVEPOINT mg_seed")
        try:
            cursor.execute(statement)
        except Exception:
            cursor.execute("ROLLBACK TO SAVEPOINT mg_seed")
            return False
        cursor.execute("RELEASE SAVEPOINT mg_seed")
        return True
    finally:
        cursor.close()


def _value(
    type_name: str, type_type: str, category: str, max_length: int | None, first_label: str | None
) -> str | None:
    if type_type == "e":
        return "'" + str(first_label).replace("'", "''") + "'" if first_label is not None else None
    if type_name in _INTEGERS:
        return "%(i)s"
    if type_name in _TEXT:
        text = "'mg-seed-' || %(i)s"
        return f"left({text}, {max_length})" if max_length else text
    if category == "A":
        return "'{}'"
    return _VALUES.get(type_name)


class SeedFailed(Exception):
    """The user's seed SQL file could not be read or failed; the parent names the file (exit 2)."""


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _run_seed_file(connection: Any, path: Path) -> list[str]:
    from migration_guard.bounded_read import read_text
    from migration_guard.errors import InputError

    try:
        sql = read_text(path, "SQL file")
    except InputError as error:
        raise SeedFailed(str(error).removeprefix(f"{path}: ")) from None
    connection.autocommit = False
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql)
        except Exception as error:  # the user's SQL: said as input, not a crash
            connection.rollback()
            raise SeedFailed(_first_line(error)) from None
        cursor.close()
        connection.commit()
    finally:
        connection.autocommit = True
    seeded = []
    for oid, schema, name in fetch(connection, _TABLES):
        del oid
        table = _quote(schema) + "." + _quote(name)
        if fetch(connection, f"SELECT EXISTS (SELECT 1 FROM {table})")[0][0]:
            seeded.append(relation_name(schema, name))
    return sorted(seeded)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
