"""Rule ``enum-recreated``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.findings import FixContext
from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.rules.history import enum_after
from migration_guard.sql import facts as f


class EnumRecreated(Rule):
    """An enum type dropped (or renamed away) and created again under the same name.

    What it flags
    -------------
    A ``CREATE TYPE name AS ENUM`` (or an ``ALTER TYPE … RENAME TO name`` of an enum this
    migration created) after the same migration dropped ``name`` with ``DROP TYPE`` or
    renamed it away with ``ALTER TYPE name RENAME TO …``. This covers both
    drop-and-create and the rename-create-swap dance.

    Why it hurts
    ------------
    Dropping an enum needs every column using it converted first (or ``CASCADE``, which
    drops the columns and their data). The swap rewrites every table that uses the type
    under an ACCESS EXCLUSIVE lock, and a typo in a ``USING`` cast loses values.

    Do this instead
    ---------------
    Add values in place; PostgreSQL keeps existing data and does not rewrite tables::

        op.execute("ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded'")

    Renaming a value is also in place:
    ``op.execute("ALTER TYPE order_status RENAME VALUE 'old' TO 'new'")``.
    Removing a value really does need a new type: suppress this rule with a reason then.
    """

    id = "enum-recreated"
    severity = "error"
    summary = "enum type dropped and re-created instead of ALTER TYPE … ADD VALUE"
    help = "Use ALTER TYPE … ADD VALUE (or RENAME VALUE) to change an enum in place."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        # names dropped or renamed away so far, with their labels then (None: unknown)
        gone: list[tuple[f.Name, tuple[str, ...] | None]] = []
        new_enums: list[f.Name] = []
        labels = _Labels(migration)
        rendered = tuple(
            (statement.line, statement.sql)
            for statement in migration.statements
            if statement.line is not None
        )
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.DropType):
                    gone.append((fact.type, labels.of(fact.type)))
                elif isinstance(fact, f.CreateEnum):
                    yield from self._reappears(statement, fact.type, gone, rendered)
                    new_enums.append(fact.type)
                elif isinstance(fact, f.RenameType):
                    if any(name.same_as(fact.type) for name in new_enums):
                        yield from self._reappears(statement, fact.new_name, gone, rendered)
                        new_enums.append(fact.new_name)
                    gone.append((fact.type, labels.of(fact.type)))
                labels.record(fact)

    def _reappears(
        self,
        statement: StatementFacts,
        name: f.Name,
        gone: list[tuple[f.Name, tuple[str, ...] | None]],
        rendered: tuple[tuple[int, str], ...],
    ) -> Iterator[Violation]:
        before = [values for previous, values in gone if previous.same_as(name)]
        if before:
            yield Violation(
                statement,
                f"Enum type `{name}` is dropped and re-created in this migration instead of "
                "altered in place.",
                fix_context=FixContext(before[0], rendered),
            )


class _Labels:
    """Each enum's labels as the migration goes: the history's, then this migration's changes."""

    def __init__(self, migration: MigrationFacts) -> None:
        self.history = migration.history
        self.changed: list[tuple[f.Name, tuple[str, ...] | None]] = []

    def of(self, type_: f.Name) -> tuple[str, ...] | None:
        for known, values in reversed(self.changed):
            if known.same_as(type_):
                return values
        return self.history.enum_values(type_)

    def record(self, fact: f.Fact) -> None:
        if isinstance(fact, (f.CreateEnum, f.AddEnumValue, f.RenameEnumValue)):
            self.changed.append((fact.type, enum_after(fact, self.of(fact.type))))
        elif isinstance(fact, f.RenameType):
            self.changed.append((fact.new_name, self.of(fact.type)))
            self.changed.append((fact.type, None))
        elif isinstance(fact, f.DropType):
            self.changed.append((fact.type, None))
