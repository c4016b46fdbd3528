"""Rule ``drop-constraint``."""

from __future__ import annotations

import re
from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class DropConstraint(Rule):
    """A constraint dropped from an existing table and not put back.

    What it flags
    -------------
    ``ALTER TABLE … DROP CONSTRAINT c`` on a table this migration did not create, unless
    the same migration adds a constraint to that table again: the drop-and-recreate of a
    changed definition (autogenerate re-creates a foreign key under a new name), or drops
    a column of that table whose name is part of the constraint's (``orders_note_check``
    goes with ``note``; ``drop-column`` reports that).

    Not flagged either: a unique constraint replaced by a unique index on the same columns
    in the same migration (the guarantee stays; the columns are known from the
    constraint's ``ADD CONSTRAINT`` in an earlier migration, else every column of the index
    must appear in the constraint's name, ``uq_users_email`` for ``(email)``; the
    constraint counts as unique when its definition says so or its name does: ``uq_…``,
    ``…_key``), and a foreign key whose referenced table the same migration drops
    (``drop-table`` reports that; the referenced table is known from the constraint's
    definition in an earlier migration, else from SQLAlchemy's naming convention
    ``fk_orders_coupon_id_coupons``). Nor a ``CHECK (col IS NOT NULL)`` dropped by a
    migration that sets ``col`` NOT NULL (the usual way to avoid SET NOT NULL's scan: add
    the check NOT VALID, validate it, set NOT NULL, drop the check); the check is known from
    its ``ADD CONSTRAINT`` in an earlier migration, else its name must hold the column's and
    ``not_null`` (``ck_users_email_not_null``). Nor a unique constraint on columns that hold
    the whole primary key (``UNIQUE (service_id, organisation_id)`` beside ``PRIMARY KEY
    (service_id)``: the key already keeps those rows out), both known from earlier migrations
    (an unnamed one by the name PostgreSQL gives it, ``orders_code_key``). A constraint
    re-created on the table under the name the same migration renames it to counts as added
    back.

    Why it hurts
    ------------
    The guarantee goes at once: duplicates, orphans or out-of-range values can be written
    from then on, and putting the constraint back later needs a scan (and a clean-up) of
    whatever got in. Dropping takes ACCESS EXCLUSIVE too.

    Do this instead
    ---------------
    Drop constraints only deliberately, with a reason on the line::

        op.drop_constraint("uq_users_email", "users")  # migration-guard: ignore[drop-constraint] emails may repeat since tenants
    """

    id = "drop-constraint"
    severity = "warning"
    summary = "constraint dropped from an existing table (its guarantee is gone)"
    help = "Keep the constraint, or suppress with the reason it may go."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        re_added = [fact.table for _, fact in migration.each(f.AddConstraint)]
        renamed = [(fact.table, fact.new_name) for _, fact in migration.each(f.RenameTable)]
        dropped_columns: dict[str, list[str]] = {}
        for _, dropped in migration.each(f.DropColumn):
            dropped_columns.setdefault(dropped.table.name, []).append(dropped.column)
        unique_indexes = [fact for _, fact in migration.each(f.CreateIndex) if fact.unique]
        dropped_tables = [fact.table for _, fact in migration.each(f.DropTable)]
        not_null = [(fact.table, fact.column) for _, fact in migration.each(f.SetNotNull)]
        for statement, fact in migration.each(f.DropConstraint):
            if migration.is_new_table(fact.table, statement.index):
                continue
            if migration.is_new_constraint(fact.table, fact.name, statement.index):
                continue  # added earlier in this migration: nothing relied on it yet
            known = migration.history.constraint(fact.table, fact.name)
            if _replaced_by_unique_index(fact, known, unique_indexes):
                continue
            if _references_dropped_table(fact, known, dropped_tables):
                continue  # drop-table reports it
            if _replaced_by_not_null(fact, known, not_null):
                continue
            if _implied_by_primary_key(fact, known, migration.history.primary_key(fact.table)):
                continue
            names = [fact.table] + [
                _renamed(new, fact.table) for old, new in renamed if old.same_as(fact.table)
            ]
            if any(table.same_as(name) for table in re_added for name in names):
                continue
            if any(column in fact.name for column in dropped_columns.get(fact.table.name, ())):
                continue  # its column goes too (drop-column reports that)
            yield Violation(
                statement,
                f"Constraint `{fact.name}` is dropped from `{fact.table}` and none is added back: "
                "rows it kept out can now be written.",
            )


def _looks_unique(name: str) -> bool:
    return name.startswith(("uq_", "ux_", "uniq_", "unique_")) or name.endswith(
        ("_key", "_uniq", "_unique", "_uq")
    )


def _replaced_by_unique_index(
    fact: f.DropConstraint, known: f.Constraint | None, indexes: list[f.CreateIndex]
) -> bool:
    if known is not None:
        if known.kind != "unique" or not known.columns:
            return False
        wanted = set(known.columns)
        return any(
            index.table.same_as(fact.table) and set(index.columns) == wanted for index in indexes
        )
    if not _looks_unique(fact.name):
        return False
    return any(
        index.table.same_as(fact.table)
        and index.columns
        and all(column in fact.name for column in index.columns)
        for index in indexes
    )


def _references_dropped_table(
    fact: f.DropConstraint, known: f.Constraint | None, dropped: list[f.Name]
) -> bool:
    if known is not None:
        referenced = known.references
        return (
            known.kind == "foreign-key"
            and referenced is not None
            and any(referenced.same_as(table) for table in dropped)
        )
    return fact.name.startswith("fk_") and any(
        fact.name.endswith(f"_{table.name}") for table in dropped
    )


_IS_NOT_NULL = re.compile(r'\(*\s*("[^"]+"|[a-z_][a-z0-9_$]*)\s+is\s+not\s+null\s*\)*')


def _replaced_by_not_null(
    fact: f.DropConstraint, known: f.Constraint | None, not_null: list[tuple[f.Name, str]]
) -> bool:
    """True when the dropped constraint is ``CHECK (col IS NOT NULL)`` and the migration sets
    ``col`` NOT NULL on the same table: the column's own constraint keeps the guarantee."""
    columns = [column for table, column in not_null if table.same_as(fact.table)]
    if known is not None:
        if known.kind != "check" or known.expression is None:
            return False
        match = _IS_NOT_NULL.fullmatch(known.expression)
        return match is not None and match.group(1).strip('"') in columns
    name = fact.name.lower()
    return any(
        column.lower() in name and ("not_null" in name or "notnull" in name) for column in columns
    )


def _renamed(new: f.Name, old: f.Name) -> f.Name:
    """``ALTER TABLE old RENAME TO new`` keeps the table in its schema."""
    return new if new.schema is not None else f.Name(new.name, old.schema)


def _implied_by_primary_key(
    fact: f.DropConstraint, known: f.Constraint | None, primary_key: tuple[str, ...]
) -> bool:
    """True when the dropped constraint is unique on columns holding the whole primary key."""
    return (
        bool(primary_key)
        and known is not None
        and known.kind == "unique"
        and set(primary_key) <= set(known.columns)
    )
