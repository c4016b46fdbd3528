"""Seeding for ``trace --seed`` (runs in the trace child): rows in tables before the traced revisions.

``seed = True``: every table gets ``ROWS_PER_TABLE`` synthetic rows where its schema allows it,
read from the catalogue of the database about to be traced (:mod:`.seed_catalog`). Parents are
filled before the tables that reference them; a foreign key takes a row of its parent (composite
keys too); a self-reference points at the first seeded row (that row's own key when the column is
NOT NULL, else NULL); a cycle is entered where a foreign key may be NULL. Values come by type
(:mod:`.seed_values`); columns with a default keep it, except keys, which need a distinct value
per row; serial and identity columns get values from ``FIRST_ID`` up and their sequences are not
advanced, so a data migration's own ids never collide with seeded ones. Each attempt runs in its
own savepoint: when a CHECK constraint (the table's or a domain's) refuses an insert, the columns
it reads take their other candidate values in turn; when nothing fits (or a unique constraint
refuses), a single row is tried, then the table is left empty and the others are still seeded.
Why a table stayed empty is not reported (the JSON contract has only ``seeded_tables``). Seeding
alone never makes a valid history fail. Alembic's version table is never seeded. ``seed = "file.sql"``: that file
runs instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from migration_guard.trace.observe import fetch, relation_name
from migration_guard.trace.seed_catalog import TABLES, Column, Table, quote, read_tables
from migration_guard.trace.seed_values import FIRST_ID, ROWS_PER_TABLE, Candidate, candidates

__all__ = ["FIRST_ID", "ROWS_PER_TABLE", "SeedFailed", "seed_database"]

MAX_PASSES = 4
MAX_TRIES = 40  # inserts per table and row count before it is left empty
CHECK_VIOLATION = "23514"

# which candidate each column with several takes
Choice = dict[int, int]
# a row's value from its index and the choice: its text (cast to the column's type), None: NULL
Value = Callable[[int, Choice], "str | None"]


def seed_database(connection: Any, seed: object) -> list[str]:
    """Seed the database (``True``: synthetic rows; a path: run that SQL); the tables that got rows."""
    if isinstance(seed, str):
        return _run_seed_file(connection, Path(seed))
    connection.autocommit = False
    try:
        tables = read_tables(connection)
        seeded: list[str] = []
        pending = _parents_first(tables)
        for _attempt in range(MAX_PASSES):
            failed = [table for table in pending if not _seed_table(connection, table)]
            if len(failed) == len(pending):
                break
            seeded.extend(t.display for t in pending if t not in failed)
            pending = failed
        connection.commit()
    finally:
        connection.autocommit = True
    return sorted(seeded)


def _parents_first(tables: list[Table]) -> list[Table]:
    """Tables after the tables they reference; in a cycle, first the one whose references to
    the rest of it may be NULL."""
    by_oid = {table.oid: table for table in tables}
    remaining = list(tables)
    ordered: list[Table] = []

    def waits_for(table: Table, required_only: bool) -> bool:
        for key in table.foreign_keys:
            if key.parent == table.oid or by_oid.get(key.parent) not in remaining:
                continue
            if not required_only or any(table.column(c).not_null for c in key.columns):
                return True
        return False

    while remaining:
        ready = [t for t in remaining if not waits_for(t, False)]
        ready = ready or [t for t in remaining if not waits_for(t, True)] or remaining[:1]
        ordered.append(ready[0])
        remaining.remove(ready[0])
    return ordered


def _seed_table(connection: Any, table: Table) -> bool:
    """Insert rows into ``table`` (each try in a savepoint); whether any went in."""
    plan = _plan(connection, table)
    if plan is None:
        return False
    columns, values, counts = plan
    for rows in (ROWS_PER_TABLE, 1):
        choice = dict.fromkeys(counts, 0)
        for _try in range(MAX_TRIES):
            refused = _try_insert(connection, table, columns, values, choice, rows)
            if refused is None:
                return True
            if not _next_choice(choice, counts, _checked_columns(table, refused)):
                break
    return False


def _checked_columns(table: Table, constraint: str) -> list[int]:
    """The columns a refusing CHECK (of the table or of a column's domain) reads."""
    if constraint in table.checks:
        return list(table.checks[constraint][0])
    return [c.number for c in table.columns if constraint in c.type.check_names]


def _next_choice(choice: Choice, counts: dict[int, int], columns: list[int]) -> bool:
    """Advance the choice of ``columns`` like an odometer; False once every one was tried."""
    for number in (n for n in columns if n in counts):
        choice[number] += 1
        if choice[number] < counts[number]:
            return True
        choice[number] = 0
    return False


def _plan(connection: Any, table: Table) -> tuple[list[Column], list[Value], dict[int, int]] | None:
    """The columns to write and how each row's value is made; None: the table cannot be seeded
    (a required column of a type we cannot make up, a required parent with no rows)."""
    keyed = {number for key in table.keys for number in key}
    referenced = {n for k in table.foreign_keys if k.parent == table.oid for n in k.parent_columns}
    own: dict[int, list[Candidate]] = {}
    for column in table.columns:
        if column.generated:
            continue
        explicit = column.number in keyed or column.number in referenced or column.sequence
        if column.has_default and not explicit:
            continue  # its default, except keys (a distinct value per row) and sequences
        checks = [d for numbers, d in table.checks.values() if column.number in numbers]
        made = candidates(column.type, f"{table.display}.{column.name}", column.number, checks)
        if made is None:
            if column.not_null and not column.has_default and not column.sequence:
                return None
            continue
        # the other candidates are for CHECK constraints: only a column one reads needs them
        own[column.number] = made if checks or column.type.checks else made[:1]
    values: dict[int, Value] = {number: _own(number, made) for number, made in own.items()}
    for key in table.foreign_keys:
        if any(number in values and number not in own for number in key.columns):
            continue  # a column already taken by another foreign key
        nullable = not any(table.column(number).not_null for number in key.columns)
        if key.parent == table.oid:
            if not all(number in own for number in key.parent_columns):
                if not nullable:
                    return None
                for number in key.columns:
                    values.pop(number, None)
                continue
            for number, target in zip(key.columns, key.parent_columns, strict=True):
                values[number] = _self_reference(target, own[target], nullable)
            continue
        rows = _parent_rows(connection, key.parent, key.parent_columns)
        if not rows:
            if not nullable:
                return None
            for number in key.columns:
                values.pop(number, None)
            continue
        for index, number in enumerate(key.columns):
            values[number] = _from_parent(rows, index)
    numbers = sorted(values)
    columns = [table.column(number) for number in numbers]
    counts = {number: len(made) for number, made in own.items() if len(made) > 1}
    return columns, [values[number] for number in numbers], counts


def _own(number: int, made: list[Candidate]) -> Value:
    return lambda i, choice: made[choice.get(number, 0)](i)


def _self_reference(target: int, made: list[Candidate], nullable: bool) -> Value:
    """The first row's key: NULL in the first row itself when allowed, else its own key."""

    def value(i: int, choice: Choice) -> str | None:
        if i == 0 and nullable:
            return None
        return made[choice.get(target, 0)](0)

    return value


def _from_parent(rows: list[tuple[str, ...]], index: int) -> Value:
    return lambda i, choice: rows[i % len(rows)][index]


def _parent_rows(connection: Any, parent: str, numbers: tuple[int, ...]) -> list[tuple[str, ...]]:
    """Up to ``ROWS_PER_TABLE`` keys of the parent table (any table, a partition too) as text."""
    columns = fetch(
        connection,
        f"SELECT attnum::int, attname::text FROM pg_attribute WHERE attrelid = {int(parent)}::oid",
    )
    by_number = {int(number): str(name) for number, name in columns}
    names = [quote(by_number[number]) for number in numbers]
    table = str(fetch(connection, f"SELECT {int(parent)}::oid::regclass::text")[0][0])
    texts = ", ".join(f"{name}::text" for name in names)
    present = " AND ".join(f"{name} IS NOT NULL" for name in names)
    order = ", ".join(names)
    statement = (
        f"SELECT {texts} FROM {table} WHERE {present} ORDER BY {order} LIMIT {ROWS_PER_TABLE}"
    )
    return [tuple(row) for row in fetch(connection, statement)]


def _try_insert(
    connection: Any,
    table: Table,
    columns: list[Column],
    values: list[Value],
    choice: Choice,
    rows: int,
) -> str | None:
    """Insert ``rows`` rows in a savepoint: None when they went in, else the name of the CHECK
    constraint that refused them (empty: refused for another reason, or by no CHECK)."""
    if columns:
        names = ", ".join(quote(column.name) for column in columns)
        tuples = ", ".join(
            "("
            + ", ".join(_literal(v(i, choice), c) for c, v in zip(columns, values, strict=True))
            + ")"
            for i in range(rows)
        )
        statements = [
            f"INSERT INTO {table.quoted} ({names}) OVERRIDING SYSTEM VALUE VALUES {tuples}"
        ]
    else:
        statements = [f"INSERT INTO {table.quoted} DEFAULT VALUES"] * rows
    cursor = connection.cursor()
    try:
        cursor.execute("SAVEPOINT mg_seed")
        try:
            for statement in statements:
                cursor.execute(statement)
        except Exception as error:  # a constraint refused these values: other candidates
            cursor.execute("ROLLBACK TO SAVEPOINT mg_seed")
            code = getattr(error, "pgcode", None) or getattr(error, "sqlstate", None)
            name = getattr(getattr(error, "diag", None), "constraint_name", None)
            return str(name or "") if code == CHECK_VIOLATION else ""
        cursor.execute("RELEASE SAVEPOINT mg_seed")
        return None
    finally:
        cursor.close()


def _literal(text: str | None, column: Column) -> str:
    if text is None:
        return "NULL"
    return "'" + text.replace("'", "''") + "'::" + column.cast


class SeedFailed(Exception):
    """The user's seed SQL file could not be read or failed; the parent names the file (exit 2)."""


def _first_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _run_seed_file(connection: Any, path: Path) -> list[str]:
    from migration_guard.config.bounded_read import read_text
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
    for oid, schema, name in fetch(connection, TABLES):
        del oid
        table = quote(schema) + "." + quote(name)
        if fetch(connection, f"SELECT EXISTS (SELECT 1 FROM {table})")[0][0]:
            seeded.append(relation_name(schema, name))
    return sorted(seeded)
