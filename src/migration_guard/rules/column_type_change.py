"""Rule ``column-type-change``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from migration_guard.readers.existing_types import existing_type_at
from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.rules.type_changes import ZERO_OFFSET_ZONES, rewrites
from migration_guard.sql import facts as f

_SET_ZONE = re.compile(
    r"^set\s+(?:session\s+|local\s+)?(?:time\s+zone|timezone\s*(?:to|=))\s*'?([^';\s]+)'?",
    re.IGNORECASE,
)


class ColumnTypeChange(Rule):
    """A column of an existing table changes type in a way that rewrites the table.

    What it flags
    -------------
    ``ALTER TABLE … ALTER COLUMN … TYPE`` on a table this migration did not create, unless
    the old type is known and the change is one PostgreSQL makes without a rewrite (its
    "binary coercible" changes with no stricter limit to check):

    ============================  =========================================================
    old type                      new type (no rewrite)
    ============================  =========================================================
    ``varchar(n)``                ``varchar(m)`` with m >= n, ``varchar``, ``text``
    ``varchar`` / ``text``        ``text``, ``varchar`` without a limit
    ``numeric(p, s)``             ``numeric(p2, s)`` with p2 >= p (same scale), ``numeric``
    ``varbit(n)``                 ``varbit(m)`` with m >= n, ``varbit``
    ``cidr``                      ``inet``
    ``timestamp``                 ``timestamptz`` (and back), only when the migration sets
                                  the session time zone to UTC first (``SET TIME ZONE
                                  'UTC'``) on PostgreSQL 12+; otherwise a rewrite
    ============================  =========================================================

    The old type is known when the column was created or last changed earlier in the same
    migration or in an earlier one (rendered in the same run, such as ``lint --all`` or an
    ``alembic upgrade --sql`` file, or read from its revision file when only later revisions
    are linted), or from ``existing_type=`` of the ``op.alter_column`` call. When
    it is unknown, or the change has ``USING``, the change is flagged.

    Why it hurts
    ------------
    Most type changes rewrite the whole table and its indexes under an ACCESS EXCLUSIVE lock
    (no reads, no writes), and code still running against the old type may break. A shorter
    limit (``varchar(100)`` to ``varchar(50)``) scans every row under that lock.

    Do this instead
    ---------------
    Add a new column, backfill it in batches, switch the code over, then drop the old one::

        op.add_column("orders", sa.Column("total_cents_big", sa.BigInteger()))
        # backfill in batches, deploy code reading the new column, then in a later migration:
        op.drop_column("orders", "total_cents")

    For a free change, say the old type so the rule can tell::

        op.alter_column("orders", "note", type_=sa.Text(), existing_type=sa.String(200))
    """

    id = "column-type-change"
    severity = "warning"
    summary = "column type changed on an existing table"
    help = "Add a new column, backfill it, switch readers, then drop the old column."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        types: dict[tuple[str, str], list[tuple[f.Name, str]]] = {}
        zero_offset = False
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.SetParameter) and fact.name in ("time", "timezone"):
                    zero_offset = _sets_zero_offset_zone(statement.sql)
                elif isinstance(fact, f.AddColumn):
                    types.setdefault((fact.table.name, fact.column.name), []).append(
                        (fact.table, fact.column.type)
                    )
                elif isinstance(fact, f.AlterColumnType):
                    old = _old_type(migration, types, statement, fact)
                    types.setdefault((fact.table.name, fact.column), []).append(
                        (fact.table, fact.type)
                    )
                    if migration.is_new_table(fact.table, statement.index):
                        continue
                    free_zone = zero_offset and migration.settings.pg_version >= 12
                    if (
                        old is not None
                        and fact.using is None
                        and not rewrites(old, fact.type, zero_offset_session=free_zone)
                    ):
                        continue
                    yield Violation(
                        statement,
                        f"Column `{fact.table}.{fact.column}` changes type to "
                        f"{fact.type.upper()}, which may rewrite the table under an "
                        "exclusive lock.",
                    )


def _old_type(
    migration: MigrationFacts,
    types: dict[tuple[str, str], list[tuple[f.Name, str]]],
    statement: StatementFacts,
    fact: f.AlterColumnType,
) -> str | None:
    for table, type_ in reversed(types.get((fact.table.name, fact.column), [])):
        if table.same_as(fact.table):
            return type_
    earlier = migration.history.column_type(fact.table, fact.column)
    if earlier is not None or migration.source_text is None or statement.line is None:
        return earlier
    return existing_type_at(migration.source_text, statement.line, fact.column)


def _sets_zero_offset_zone(sql: str) -> bool:
    match = _SET_ZONE.match(sql.strip())
    return match is not None and match[1].lower() in ZERO_OFFSET_ZONES
