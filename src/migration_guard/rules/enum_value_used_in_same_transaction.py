"""Rule ``enum-value-used-in-same-transaction``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f


class EnumValueUsedInSameTransaction(Rule):
    """An enum value added and used before the transaction commits.

    What it flags
    -------------
    ``ALTER TYPE t ADD VALUE 'v'`` followed, in the same transaction (no ``COMMIT``
    between, and a ``BEGIN`` around both), by a statement that uses ``'v'``: an
    ``INSERT``/``UPDATE``/``DELETE`` with the literal, or a column default set to it.

    Why it hurts
    ------------
    PostgreSQL refuses to use a new enum value before the transaction that added it
    commits ("unsafe use of new value"), so the migration fails in the middle, in
    production too. Alembic runs the whole migration in one transaction.

    Do this instead
    ---------------
    Add the value outside the transaction, then use it::

        with op.get_context().autocommit_block():
            op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")
        op.execute("UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL")
    """

    id = "enum-value-used-in-same-transaction"
    severity = "error"
    summary = "new enum value used before the transaction that added it commits"
    help = "Add the value in op.get_context().autocommit_block() (or an earlier migration)."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if next(migration.each(f.AddEnumValue), None) is None:
            return
        added: dict[str, f.Name] = {}  # value -> type, uncommitted
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.Transaction):
                    added = {}
                elif isinstance(fact, f.AddEnumValue) and statement.in_transaction:
                    added[fact.value] = fact.type
                elif added and statement.in_transaction:
                    used = _used_value(fact, added)
                    if used is not None:
                        yield _violation(statement, used, added[used])


def _violation(statement: StatementFacts, value: str, type_name: f.Name) -> Violation:
    return Violation(
        statement,
        f"Uses `{value}`, added to enum `{type_name}` in this uncommitted transaction: "
        "PostgreSQL refuses it until the ADD VALUE commits.",
    )


def _used_value(fact: f.Fact, added: dict[str, f.Name]) -> str | None:
    if isinstance(fact, f.StringLiterals):
        return next((value for value in fact.values if value in added), None)
    default = None
    if isinstance(fact, f.AddColumn):
        default = fact.column.default
    elif isinstance(fact, f.SetDefault):
        default = fact.default
    if default is not None:
        return next((value for value in added if f"'{value}'" in default), None)
    return None
