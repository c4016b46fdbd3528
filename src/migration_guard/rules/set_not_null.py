"""Rule ``set-not-null``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.not_null_proof import proves_not_null
from migration_guard.sql import facts as f


class SetNotNull(Rule):
    """SET NOT NULL on a column of an existing table.

    What it flags
    -------------
    ``ALTER TABLE … ALTER COLUMN … SET NOT NULL`` on a table this migration did not create,
    unless a check constraint on that table proving the column not null is validated before
    it, which lets PostgreSQL 12+ skip the scan: added ``NOT VALID`` and then
    ``VALIDATE CONSTRAINT``-ed in this migration, added ``NOT VALID`` in an earlier
    migration (rendered in the run, or read from its revision file) and validated in this
    one, or added (validated) in either without being dropped since. The check proves it in
    the forms PostgreSQL recognises: ``col IS NOT NULL``, ``NOT (col IS NULL)``,
    ``col NOTNULL``, parenthesised or as one arm of an ``AND``.

    A check added ``NOT VALID`` and never validated does not count: PostgreSQL cannot rely on
    it and still scans the table. Neither does any check with ``pg_version`` below 12. A
    ``VALIDATE CONSTRAINT`` of a constraint nothing in the run shows (its revision is not
    rendered, or the SQL input starts here) counts for its table: that is the second half of
    the recipe below, split over two revisions.

    Why it hurts
    ------------
    PostgreSQL scans the whole table to prove there are no NULLs while holding an ACCESS
    EXCLUSIVE lock, so reads and writes wait for the scan.

    Do this instead
    ---------------
    Add a NOT VALID check, validate it (a weaker lock), then set NOT NULL and drop the
    check::

        op.execute("ALTER TABLE orders ADD CONSTRAINT orders_status_not_null "
                   "CHECK (status IS NOT NULL) NOT VALID")
        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT orders_status_not_null")
        op.alter_column("orders", "status", nullable=False)
        op.drop_constraint("orders_status_not_null", "orders")
    """

    id = "set-not-null"
    severity = "warning"
    summary = "SET NOT NULL on an existing column scans the table under an exclusive lock"
    help = "Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        # (table, constraint name) -> (expression, validated), as this migration leaves them
        checks: dict[tuple[f.Name, str], tuple[str, bool]] = {}
        # validated here, added where the run cannot see: (table, constraint name)
        unseen: set[tuple[f.Name, str]] = set()
        uses_checks = migration.settings.pg_version >= 12
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.AddConstraint):
                    constraint = fact.constraint
                    if constraint.kind == "check" and constraint.name and constraint.expression:
                        _note(
                            checks,
                            fact.table,
                            constraint.name,
                            constraint.expression,
                            validated=not constraint.not_valid,
                        )
                elif isinstance(fact, f.ValidateConstraint):
                    known = _known_check(migration, checks, fact.table, fact.name)
                    if known is not None:
                        _note(checks, fact.table, fact.name, known[0], validated=True)
                    else:
                        unseen.add((fact.table, fact.name))
                elif isinstance(fact, f.DropConstraint):
                    _note(checks, fact.table, fact.name, "", validated=False)
                    unseen = {pair for pair in unseen if not _same(pair, fact.table, fact.name)}
                elif isinstance(fact, f.SetNotNull):
                    if migration.is_new_table(fact.table, statement.index):
                        continue
                    if uses_checks and (
                        any(table.same_as(fact.table) for table, _ in unseen)
                        or _validated_not_null_check(migration, checks, fact)
                    ):
                        continue
                    yield Violation(
                        statement,
                        f"Column `{fact.table}.{fact.column}` is set NOT NULL, which scans the "
                        "table under an exclusive lock.",
                    )


def _note(
    checks: dict[tuple[f.Name, str], tuple[str, bool]],
    table: f.Name,
    name: str,
    expression: str,
    *,
    validated: bool,
) -> None:
    """Record the constraint's latest state last, so the newest entry wins lookups."""
    checks.pop((table, name), None)
    checks[(table, name)] = (expression, validated)


def _same(pair: tuple[f.Name, str], table: f.Name, name: str) -> bool:
    return pair[1] == name and pair[0].same_as(table)


def _known_check(
    migration: MigrationFacts,
    checks: dict[tuple[f.Name, str], tuple[str, bool]],
    table: f.Name,
    name: str,
) -> tuple[str, bool] | None:
    for (known_table, known_name), state in reversed(checks.items()):
        if known_name == name and known_table.same_as(table):
            return state
    earlier = migration.history.check(table, name)
    return (earlier.expression, earlier.validated) if earlier is not None else None


def _validated_not_null_check(
    migration: MigrationFacts,
    checks: dict[tuple[f.Name, str], tuple[str, bool]],
    target: f.SetNotNull,
) -> bool:
    names = {name for table, name in checks if table.same_as(target.table)}
    names.update(migration.history.check_names(target.table))
    if not names:
        return False
    for name in names:
        state = _known_check(migration, checks, target.table, name)
        if state is not None and state[1] and proves_not_null(state[0], target.column):
            return True
    return False
