"""Rule ``volatile-default``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.function_volatility import (
    KNOWN_VOLATILE,
    declared_not_volatile,
    volatile_calls,
)
from migration_guard.sql import facts as f


class VolatileDefault(Rule):
    """A column added to an existing table whose value must be computed row by row.

    What it flags
    -------------
    ``ADD COLUMN`` on a table this migration did not create when the default is volatile
    (``gen_random_uuid()``, ``uuid_generate_v4()``, ``random()``, ``clock_timestamp()``,
    ``nextval()``), or the column is a stored generated column. Constant and stable
    defaults such as ``now()``, ``CURRENT_TIMESTAMP`` or ``'new'`` are fine. A ``serial``
    or identity column rewrites the table too, but ``auto-increment-column`` reports it
    (one statement, one finding for one risk).

    Built-in functions are judged as PostgreSQL's own catalog declares them (``pg_proc``
    of PostgreSQL 18, every built-in: ``format()``, ``txid_current()`` or ``version()`` are
    stable or immutable, so fine), and so are the common extensions' (``uuid-ossp``,
    ``pgcrypto``). A function the rule does not know (``uuid()``, ``my_fn()``,
    ``myschema.f()``) counts as volatile: that is what PostgreSQL assumes of a function
    created without ``IMMUTABLE`` or ``STABLE``. A function this migration or an earlier one
    of the run creates with ``IMMUTABLE`` or ``STABLE`` is taken at its word.

    Why it hurts
    ------------
    Since PostgreSQL 11 a constant default is stored once and the table is not touched. A
    volatile value differs per row, so the whole table is rewritten under an ACCESS
    EXCLUSIVE lock.

    Do this instead
    ---------------
    Add the column without a default (or with a constant one), backfill in batches, then set
    the default for new rows::

        op.add_column("orders", sa.Column("public_id", postgresql.UUID()))
        # backfill in batches, then:
        op.alter_column("orders", "public_id", server_default=sa.text("gen_random_uuid()"))
    """

    id = "volatile-default"
    severity = "warning"
    summary = "column added with a volatile default (rewrites the table)"
    help = "Add the column without the volatile default, backfill in batches, then set it."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        declared: list[tuple[int, str]] | None = None
        for statement, fact in migration.each(f.AddColumn):
            column = fact.column
            if migration.is_new_table(fact.table, statement.index):
                continue
            if declared is None and column.default is not None:
                # functions this migration creates IMMUTABLE or STABLE, found once
                declared = [
                    (earlier.index, name)
                    for earlier in migration.statements
                    if (name := declared_not_volatile(earlier.sql)) is not None
                ]
            volatile = self._volatile(migration, column.default, statement.index, declared or [])
            if volatile and column.default is not None:
                why = f"the volatile default {column.default}"
                if volatile[0].rsplit(".", 1)[-1] not in KNOWN_VOLATILE:
                    why += (
                        f" (`{volatile[0]}` is not declared IMMUTABLE or STABLE, so PostgreSQL "
                        "treats it as VOLATILE)"
                    )
            elif column.identity or column.base_type in f.SERIAL_TYPES:
                continue  # auto-increment-column reports it (with its index, if a key)
            elif column.generated:
                why = "a stored generated value"
            else:
                continue
            yield Violation(
                statement,
                f"Column `{fact.table}.{column.name}` is added with {why}, which rewrites "
                "the table under an exclusive lock.",
            )

    @staticmethod
    def _volatile(
        migration: MigrationFacts, default: str | None, before: int, declared: list[tuple[int, str]]
    ) -> list[str]:
        if default is None:
            return []
        safe = set(migration.history.declared_not_volatile)
        safe.update(name for index, name in declared if index < before)
        return volatile_calls(default, safe)
