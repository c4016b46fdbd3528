"""Rule ``prefer-bigint``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.column_types import full_type, typed_columns

_NARROW_INTEGERS = frozenset(
    {"smallint", "int2", "integer", "int", "int4", "serial", "serial4", "smallserial", "serial2"}
)


class PreferBigint(Rule):
    """A 16- or 32-bit integer column (opt-in).

    What it flags
    -------------
    ``smallint``/``int2``, ``integer``/``int``/``int4`` and ``serial``/``smallserial`` columns
    in ``CREATE TABLE``, ``ADD COLUMN`` and ``ALTER COLUMN … TYPE``. Opt-in:
    ``enable = ["prefer-bigint"]``.

    Why it hurts
    ------------
    Ids and counters outgrow 2,147,483,647 sooner than expected, and widening the column
    later rewrites the table (and every referencing column) under ACCESS EXCLUSIVE. A
    ``bigint`` costs four bytes more per row.

    Do this instead
    ---------------
    Use ``sa.BigInteger``::

        op.add_column("events", sa.Column("account_id", sa.BigInteger()))
    """

    id = "prefer-bigint"
    severity = "warning"
    summary = "integer/smallint column where bigint avoids a later rewrite"
    help = "Use sa.BigInteger (bigint / bigserial / identity on bigint)."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, table, column in typed_columns(migration):
            if column.base_type in _NARROW_INTEGERS:
                yield Violation(
                    statement,
                    f"`{table}.{column.name}` is `{full_type(column)}`: it overflows at 2^31 and widening later rewrites the table.",
                )
