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

    Which projects it applies to: the seed's convention is the pair, but many projects use
    one soft-delete column only. So when linting a project's revisions the rule runs when
    ``soft_delete_columns`` is set explicitly in ``[tool.migration-guard]``, or when the
    project's history (every revision file, read statically, plus the migrations linted)
    has some table with all of the columns; a project whose tables only ever get
    ``deleted_at`` (or only ``is_deleted``) gets no finding. ``lint --sql`` in a project
    (its alembic.ini found) does the same, the SQL file's earlier blocks counting as
    history; ``lint --sql`` with no project behind it always applies the rule.

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
        partial = any(columns and not set(wanted) <= columns for _, _, columns in added)
        if not partial or not self._applies(migration, added):
            return
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
    def _applies(
        migration: MigrationFacts, added: list[tuple[f.Name, StatementFacts, set[str]]]
    ) -> bool:
        """False for a project whose convention is not the full set of columns."""
        settings, history = migration.settings, migration.history
        if settings.soft_delete_columns_explicit or not history.in_project:
            return True
        wanted = set(settings.soft_delete_columns)
        return (
            history.has_table_with(wanted)
            or any(wanted <= columns for _, _, columns in added)
            or history.files_have_soft_delete_set()
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
