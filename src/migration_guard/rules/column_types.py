"""Every column type a migration writes, for the type advice rules."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, StatementFacts
from migration_guard.sql import facts as f


def typed_columns(migration: MigrationFacts) -> Iterator[tuple[StatementFacts, f.Name, f.Column]]:
    """(statement, table, column) for CREATE TABLE and ADD COLUMN columns, and for
    ``ALTER COLUMN … TYPE`` (as a column with only its name and new type)."""
    for statement in migration.statements:
        for fact in statement.facts:
            if isinstance(fact, f.CreateTable):
                for column in fact.columns:
                    yield statement, fact.table, column
            elif isinstance(fact, f.AddColumn):
                yield statement, fact.table, fact.column
            elif isinstance(fact, f.AlterColumnType):
                yield statement, fact.table, f.Column(fact.column, fact.type)


def full_type(column: f.Column) -> str:
    """The type without array brackets: "timestamp(3) without time zone[]" keeps its words."""
    return column.type.split("[", 1)[0].strip()
