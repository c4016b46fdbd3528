"""Rule ``domain-check-constraint``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DomainCheckConstraint(Rule):
    """A constraint on a domain.

    What it flags
    -------------
    ``CREATE DOMAIN … CHECK (…)`` and ``ALTER DOMAIN … ADD CONSTRAINT`` (without
    ``NOT VALID``).

    Why it hurts
    ------------
    ``ALTER DOMAIN … ADD CONSTRAINT`` checks every column of every table that uses the
    domain, holding locks on all of them; and a CHECK baked into a domain can later only
    be changed that way. Table constraints can be added ``NOT VALID`` and validated
    without blocking writes.

    Do this instead
    ---------------
    Put the check on the table, added NOT VALID::

        op.create_check_constraint("ck_orders_total", "orders", "total >= 0",
                                   postgresql_not_valid=True)
    """

    id = "domain-check-constraint"
    severity = "warning"
    summary = "CHECK constraint on a domain (ADD scans every table using it)"
    help = "Use a table CHECK constraint added NOT VALID, validated in a later migration."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, fact in migration.each(f.DomainConstraint):
            if fact.action == "create":
                yield Violation(
                    statement,
                    f"Domain `{fact.domain}` carries a CHECK: changing it later scans every "
                    "table that uses the domain.",
                )
            elif not fact.not_valid:
                yield Violation(
                    statement,
                    f"Adding a constraint to domain `{fact.domain}` checks every column using "
                    "it, under lock.",
                )
