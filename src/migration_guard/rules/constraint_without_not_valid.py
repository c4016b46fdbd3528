"""Rule ``constraint-without-not-valid``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class ConstraintWithoutNotValid(Rule):
    """A foreign key or CHECK constraint added to an existing table and validated at once.

    What it flags
    -------------
    ``ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`` or ``… CHECK`` without ``NOT VALID`` on a
    table this migration did not create, and ``ADD COLUMN … REFERENCES``/``CHECK`` on such a
    table (which cannot be written NOT VALID).

    Why it hurts
    ------------
    Adding the constraint scans the whole table to check existing rows while holding a lock
    that blocks writes (for a foreign key, on the referenced table too).

    Do this instead
    ---------------
    Add it ``NOT VALID`` (new rows are checked straight away), then validate in a later
    migration, which only takes a lock that lets writes through::

        op.create_foreign_key("fk_orders_customer", "orders", "customers",
                              ["customer_id"], ["id"], postgresql_not_valid=True)
        # next migration
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT fk_orders_customer")
    """

    id = "constraint-without-not-valid"
    severity = "warning"
    summary = "foreign key or CHECK constraint added without NOT VALID"
    help = "Add the constraint NOT VALID, then VALIDATE CONSTRAINT in a separate migration."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.AddConstraint):
                    constraint = fact.constraint
                    if constraint.kind not in ("foreign-key", "check") or constraint.not_valid:
                        continue
                    label = "Foreign key" if constraint.kind == "foreign-key" else "CHECK"
                    name = f" `{constraint.name}`" if constraint.name else ""
                    message = (
                        f"{label} constraint{name} on existing table `{fact.table}` is added "
                        "without NOT VALID, so all rows are checked under a write-blocking lock."
                    )
                elif isinstance(fact, f.AddColumn) and (
                    fact.column.references is not None or fact.column.check is not None
                ):
                    message = (
                        f"Column `{fact.table}.{fact.column.name}` is added with an inline "
                        "constraint, so all rows are checked under a write-blocking lock."
                    )
                else:
                    continue
                if not migration.is_new_table(fact.table, statement.index):
                    yield Violation(statement, message)
