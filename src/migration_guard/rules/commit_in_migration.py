"""Rule ``commit-in-migration``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.readers.revision_calls import calls_on_line
from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f


class CommitInMigration(Rule):
    """An explicit ``COMMIT`` in the middle of a migration.

    What it flags
    -------------
    A ``COMMIT`` (or ``END``) while the migration's transaction is open and with statements
    of the migration after it, written by the migration itself: ``op.execute("COMMIT")``, or
    in SQL input a ``COMMIT`` with no ``BEGIN`` reopening a transaction before the migration
    ends.

    Not flagged: Alembic's own transaction boundaries. An ``autocommit_block()`` renders as
    ``COMMIT`` … ``BEGIN`` at the ``with`` line (in SQL input: a ``COMMIT`` that a later
    ``BEGIN`` of the same migration follows), and the ``COMMIT`` that ends a migration or
    the run is its last statement. A ``COMMIT`` with no transaction open is
    ``transaction-nesting``'s, not this rule's.

    Why it hurts
    ------------
    Everything before the ``COMMIT`` is committed at once, and what follows runs outside
    the migration's transaction: when a later statement fails, the schema is left
    half-applied with no rollback, while ``alembic_version`` still names the previous
    revision, so re-running the upgrade fails on what already exists.

    Do this instead
    ---------------
    Put only what must run outside a transaction in an autocommit block, or split the
    revision in two::

        with op.get_context().autocommit_block():
            op.create_index("ix_orders_user_id", "orders", ["user_id"],
                            postgresql_concurrently=True)
    """

    id = "commit-in-migration"
    severity = "warning"
    summary = "explicit COMMIT mid-migration (the rest runs without a rollback)"
    help = (
        "Use `with op.get_context().autocommit_block():` for what must run outside a "
        "transaction, or split the revision."
    )

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        statements = migration.statements
        for statement, fact in migration.each(f.Transaction):
            if fact.action != "commit" or statement.in_transaction is not True:
                continue  # a COMMIT with none open is transaction-nesting's
            after = statements[statement.index + 1 :]
            if not after:
                continue  # the end of the migration: nothing of it runs outside
            if migration.source_text is not None:
                if statement.line is None or _autocommit_line(migration, statement):
                    continue  # Alembic's own boundary
            elif any(_is_begin(later) for later in after):
                continue  # an autocommit block's shape
            yield Violation(
                statement,
                "COMMIT in the middle of the migration: the statements after it run outside "
                "its transaction, and a failure after it leaves the migration half-applied "
                "with no rollback.",
            )


def _autocommit_line(migration: MigrationFacts, statement: StatementFacts) -> bool:
    assert migration.source_text is not None and statement.line is not None
    return bool(calls_on_line(migration.source_text, statement.line, "autocommit_block"))


def _is_begin(statement: StatementFacts) -> bool:
    return any(
        isinstance(fact, f.Transaction) and fact.action == "begin" for fact in statement.facts
    )
