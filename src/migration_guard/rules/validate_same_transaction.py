"""Rule ``validate-same-transaction``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class ValidateSameTransaction(Rule):
    """A constraint added NOT VALID and validated in the same transaction.

    What it flags
    -------------
    ``ALTER TABLE … VALIDATE CONSTRAINT c`` when the same migration added ``c`` with
    ``NOT VALID`` and no ``COMMIT`` separates the two: both actions of one ``ALTER TABLE``,
    or both statements inside one ``BEGIN`` (Alembic runs a migration in one transaction on
    PostgreSQL). Where the SQL shows no ``BEGIN``, separate statements are not flagged.

    Why it hurts
    ------------
    ``NOT VALID`` exists so that the long validation scan runs under a lock that lets writes
    through. Adding the constraint took a stronger lock (ACCESS EXCLUSIVE for a CHECK,
    SHARE ROW EXCLUSIVE on both tables for a foreign key), which is held until the
    transaction ends, so the scan runs under it anyway and writes wait for the whole scan.

    Do this instead
    ---------------
    Validate in a later migration (or after a commit)::

        op.create_check_constraint("ck_orders_total", "orders", "total >= 0",
                                   postgresql_not_valid=True)
        # next migration
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_total")
    """

    id = "validate-same-transaction"
    severity = "warning"
    summary = "constraint added NOT VALID and validated in the same transaction"
    help = "Run VALIDATE CONSTRAINT in a later migration, after the NOT VALID add has committed."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        # NOT VALID adds not yet committed: (table, name, statement index, in a transaction)
        open_adds: list[tuple[f.Name, str, int, bool]] = []
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.Transaction):
                    open_adds = []
                elif isinstance(fact, f.AddConstraint):
                    constraint = fact.constraint
                    if constraint.not_valid and constraint.name:
                        transactional = bool(statement.in_transaction)
                        open_adds.append(
                            (fact.table, constraint.name, statement.index, transactional)
                        )
                elif isinstance(fact, f.ValidateConstraint) and any(
                    name == fact.name
                    and table.same_as(fact.table)
                    and (index == statement.index or (transactional and statement.in_transaction))
                    for table, name, index, transactional in open_adds
                ):
                    yield Violation(
                        statement,
                        f"Constraint `{fact.name}` on `{fact.table}` is validated in the "
                        "transaction that added it NOT VALID, so the scan runs under the "
                        "add's stronger lock.",
                    )
