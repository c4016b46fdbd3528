"""Rule ``soft-delete-pair``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f


class SoftDeletePair(Rule):
    """Only part of the soft-delete columns added to a table.

    What it flags
    -------------
    A migration that adds some but not all of ``soft_delete_columns`` (default
    ``is_deleted`` and ``deleted_at``) to one table, by ``CREATE TABLE`` or
    ``ADD COLUMN``. The check is per migration: if the table already had the other column,
    suppress the finding with that as the reason.

    Why it hurts
    ------------
    The service layer filters and sets both columns together; a table with only one of them
    breaks queries at run time or silently shows deleted rows.

    Do this instead
    ---------------
    Add the columns together, in the same migration::

        op.add_column("orders", sa.Column("is_deleted", sa.Boolean(),
                                          nullable=False, server_default=sa.false()))
        op.add_column("orders", sa.Column("deleted_at", sa.DateTime(timezone=True)))
    """

    id = "soft-delete-pair"
    severity = "error"
    summary = "soft-delete columns not added together"
    help = "Add every soft-delete column to the table in the same migration."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        wanted = migration.settings.soft_delete_columns
        added: list[tuple[f.Name, StatementFacts, set[str]]] = []
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.CreateTable):
                    names = {column.name for column in fact.columns}
                    self._record(added, fact.table, statement, names & set(wanted))
                elif isinstance(fact, f.AddColumn) and fact.column.name in wanted:
                    self._record(added, fact.table, statement, {fact.column.name})
        for table, statement, columns in added:
            missing = [name for name in wanted if name not in columns]
            if columns and missing:
                have = ", ".join(f"`{name}`" for name in wanted if name in columns)
                lacking = ", ".join(f"`{name}`" for name in missing)
                yield Violation(
                    statement,
                    f"Table `{table}` gets {have} in this migration but not {lacking}.",
                )

    @staticmethod
    def _record(
        added: list[tuple[f.Name, StatementFacts, set[str]]],
        table: f.Name,
        statement: StatementFacts,
        columns: set[str],
    ) -> None:
        if not columns:
            return
        for name, _, seen in added:
            if name.same_as(table):
                seen.update(columns)
                return
        added.append((table, statement, set(columns)))
