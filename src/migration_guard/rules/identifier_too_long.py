"""Rule ``identifier-too-long``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f

MAX_IDENTIFIER_BYTES = 63  # NAMEDATALEN - 1
_NAMING: tuple[type[f.Fact], ...] = (
    f.CreateTable,
    f.AddColumn,
    f.AddConstraint,
    f.CreateIndex,
    f.CreateEnum,
    f.RenameTable,
    f.RenameType,
    f.RenameColumn,
    f.RenameConstraint,
)


class IdentifierTooLong(Rule):
    """A new name longer than PostgreSQL keeps (63 bytes).

    What it flags
    -------------
    A table, column, index, constraint or type created or renamed to a name longer than
    63 bytes (UTF-8: an accented letter counts two).

    Why it hurts
    ------------
    PostgreSQL truncates the name silently (a NOTICE at most). The object then has a name
    the models and later migrations do not use: ``op.drop_constraint("<the long name>")``
    fails, two long names with a common prefix collide, and autogenerate sees a difference
    that never goes away.

    Do this instead
    ---------------
    Give it a shorter explicit name::

        op.create_index("ix_orders_customer_placed", "orders", ["customer_id", "placed_at"])
    """

    id = "identifier-too-long"
    severity = "warning"
    summary = "name longer than 63 bytes, silently truncated by PostgreSQL"
    help = "Choose a name of at most 63 bytes (set the name explicitly in op.* calls)."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        found: list[tuple[StatementFacts, f.Fact]] = []
        for naming in _NAMING:
            found += migration.each(naming)
        for statement, fact in sorted(found, key=lambda pair: pair[0].index):
            for kind, name in _new_names(fact):
                # A name's UTF-8 length is at least its character count.
                if len(name) > MAX_IDENTIFIER_BYTES // 4 and (
                    len(name.encode("utf-8")) > MAX_IDENTIFIER_BYTES
                ):
                    yield _violation(statement, kind, name)


def _violation(statement: StatementFacts, kind: str, name: str) -> Violation:
    kept = name.encode("utf-8")[:MAX_IDENTIFIER_BYTES].decode("utf-8", "ignore")
    return Violation(
        statement,
        f"The {kind} name `{name}` is {len(name.encode('utf-8'))} bytes; PostgreSQL keeps "
        f"only `{kept}`.",
    )


def _new_names(fact: f.Fact) -> list[tuple[str, str]]:
    if isinstance(fact, f.CreateTable):
        names = [("table", fact.table.name)]
        names += [("column", column.name) for column in fact.columns]
        names += [("constraint", c.name) for c in fact.constraints if c.name]
        return names
    if isinstance(fact, f.AddColumn):
        return [("column", fact.column.name)]
    if isinstance(fact, f.AddConstraint) and fact.constraint.name:
        return [("constraint", fact.constraint.name)]
    if isinstance(fact, f.CreateIndex) and fact.name:
        return [("index", fact.name)]
    if isinstance(fact, f.CreateEnum):
        return [("type", fact.type.name)]
    if isinstance(fact, (f.RenameTable, f.RenameType)):
        return [("new", fact.new_name.name)]
    if isinstance(fact, (f.RenameColumn, f.RenameConstraint)):
        return [("new", fact.new_name)]
    return []
