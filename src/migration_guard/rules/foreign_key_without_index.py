"""Rule ``foreign-key-without-index``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f


class ForeignKeyWithoutIndex(Rule):
    """A foreign key on columns no index covers.

    What it flags
    -------------
    A foreign key (in ``CREATE TABLE`` or ``ADD CONSTRAINT``) on a table created in this
    migration, or on columns added in it, when no index, primary key or unique constraint
    of the migration starts with the key's columns. Foreign keys on older columns are left
    alone: an index from an earlier migration may cover them. Opt-in
    (``enable = ["foreign-key-without-index"]``): on CTFd's real history it makes 38 findings,
    right for PostgreSQL but mostly on small lookup tables nobody deletes from.

    Why it hurts
    ------------
    PostgreSQL indexes the referenced side, never the referencing one. Every ``DELETE`` or
    key ``UPDATE`` on the parent then scans the whole child table (under a lock) to find
    referencing rows, and joins along the key scan too.

    Do this instead
    ---------------
    Index the referencing columns::

        op.add_column("orders", sa.Column("customer_id", sa.BigInteger(),
                                          sa.ForeignKey("customers.id")))
        op.create_index("ix_orders_customer_id", "orders", ["customer_id"])
    """

    id = "foreign-key-without-index"
    severity = "warning"
    summary = "foreign key on new columns without an index on them"
    help = "Create an index whose leading columns are the foreign key's columns."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if not any(True for _ in _foreign_keys(migration)):
            return
        indexed = _indexed_column_lists(migration)
        added = {(fact.table.name, fact.column.name) for _, fact in migration.each(f.AddColumn)}
        for statement, table, columns in _foreign_keys(migration):
            new = migration.is_new_table(table, statement.index + 1) or all(
                (table.name, column) in added for column in columns
            )
            if new and not _covered(columns, indexed.get(table.name, [])):
                yield Violation(
                    statement,
                    f"Foreign key on `{table}` ({', '.join(columns)}) has no index on those "
                    "columns: deletes on the referenced table scan it.",
                )


def _covered(columns: tuple[str, ...], indexes: list[tuple[str, ...]]) -> bool:
    wanted = set(columns)
    return any(set(index[: len(columns)]) == wanted for index in indexes)


def _indexed_column_lists(migration: MigrationFacts) -> dict[str, list[tuple[str, ...]]]:
    lists: dict[str, list[tuple[str, ...]]] = {}
    for statement in migration.statements:
        for fact in statement.facts:
            if isinstance(fact, f.CreateIndex):
                lists.setdefault(fact.table.name, []).append(fact.columns)
            elif isinstance(fact, f.AddConstraint):
                if fact.constraint.kind in ("primary-key", "unique"):
                    lists.setdefault(fact.table.name, []).append(fact.constraint.columns)
            elif isinstance(fact, f.CreateTable):
                found = lists.setdefault(fact.table.name, [])
                found += [(c.name,) for c in fact.columns if c.primary_key or c.unique]
                found += [
                    c.columns for c in fact.constraints if c.kind in ("primary-key", "unique")
                ]
            elif isinstance(fact, f.AddColumn) and (fact.column.primary_key or fact.column.unique):
                lists.setdefault(fact.table.name, []).append((fact.column.name,))
    return lists


def _foreign_keys(
    migration: MigrationFacts,
) -> Iterator[tuple[StatementFacts, f.Name, tuple[str, ...]]]:
    found: list[tuple[StatementFacts, f.Name, tuple[str, ...]]] = []
    for statement, table in migration.each(f.CreateTable):
        for column in table.columns:
            if column.references is not None:
                found.append((statement, table.table, (column.name,)))
        for constraint in table.constraints:
            if constraint.kind == "foreign-key" and constraint.columns:
                found.append((statement, table.table, constraint.columns))
    for statement, added in migration.each(f.AddColumn):
        if added.column.references is not None:
            found.append((statement, added.table, (added.column.name,)))
    for statement, fact in migration.each(f.AddConstraint):
        if fact.constraint.kind == "foreign-key" and fact.constraint.columns:
            found.append((statement, fact.table, fact.constraint.columns))
    yield from sorted(found, key=lambda entry: entry[0].index)
