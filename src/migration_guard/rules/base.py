"""What every rule sees and returns: settings, the migration's facts, violations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, TypeVar

from migration_guard.config.pyproject import NEWEST_PG_VERSION
from migration_guard.errors import ConfigError
from migration_guard.findings import FixContext, Severity
from migration_guard.rules.history import History
from migration_guard.sql import facts as f

if TYPE_CHECKING:
    from migration_guard.config.pyproject import Config
    from migration_guard.trace_results import RevisionRun

FactT = TypeVar("FactT")


@dataclass(frozen=True)
class RuleSettings:
    """The parts of the configuration the rules read."""

    protected_tables: tuple[str, ...] = ("audit_log",)
    soft_delete_columns: tuple[str, ...] = ("is_deleted", "deleted_at")
    # False: the project left soft_delete_columns at the default, so its history decides
    # whether it uses the pair at all (see soft-delete-pair).
    soft_delete_columns_explicit: bool = True
    search_vector_columns: tuple[str, ...] = ("search_vector", "*_tsv", "*_search_vector")
    disabled: frozenset[str] = frozenset()
    severity_overrides: tuple[tuple[str, Severity], ...] = ()
    enabled: frozenset[str] = frozenset()  # opt-in rules switched on
    pg_version: int = NEWEST_PG_VERSION

    @classmethod
    def from_config(cls, config: Config) -> RuleSettings:
        """Settings from ``[tool.migration-guard]``; an unknown rule id is a ConfigError."""
        from migration_guard.rules import RULE_IDS

        for rule_id in config.disable:
            if rule_id not in RULE_IDS:
                raise ConfigError(f"[tool.migration-guard] disable: unknown rule id {rule_id!r}")
        for rule_id in config.enable:
            if rule_id not in RULE_IDS:
                raise ConfigError(f"[tool.migration-guard] enable: unknown rule id {rule_id!r}")
        overrides: list[tuple[str, Severity]] = []
        for rule_id, level in config.severity.items():
            if rule_id not in RULE_IDS:
                raise ConfigError(f"[tool.migration-guard] severity: unknown rule id {rule_id!r}")
            if level not in ("error", "warning"):
                raise ConfigError(
                    f'[tool.migration-guard] severity: {rule_id} must be "error" or "warning"'
                )
            overrides.append((rule_id, "error" if level == "error" else "warning"))
        return cls(
            protected_tables=config.protected_tables,
            soft_delete_columns=config.soft_delete_columns,
            soft_delete_columns_explicit="soft_delete_columns" in config.explicit,
            search_vector_columns=config.search_vector_columns,
            disabled=frozenset(config.disable),
            severity_overrides=tuple(overrides),
            enabled=frozenset(config.enable),
            pg_version=config.pg_version,
        )

    def runs(self, rule: Rule) -> bool:
        """True when ``rule`` is on: on by default or enabled, and not disabled."""
        if rule.id in self.disabled:
            return False
        return rule.default_on or rule.id in self.enabled

    def severity_of(self, rule_id: str, default: Severity) -> Severity:
        for overridden, level in self.severity_overrides:
            if overridden == rule_id:
                return level
        return default


@dataclass(frozen=True)
class StatementFacts:
    """One statement of the migration with what it does and where it came from."""

    index: int
    sql: str
    line: int | None
    end_line: int | None
    facts: tuple[f.Fact, ...]
    in_transaction: bool | None  # None: no BEGIN/COMMIT seen, so unknown


@dataclass(frozen=True)
class Violation:
    statement: StatementFacts
    message: str
    help: str = ""  # empty: the rule's own help
    fix_context: FixContext | None = None
    """What a fix needs that the statement does not say (see ``Finding.fix_context``)."""


class MigrationFacts:
    """All statements of one migration plus what the migration itself creates."""

    def __init__(
        self,
        statements: tuple[StatementFacts, ...],
        settings: RuleSettings,
        *,
        ends_in_transaction: bool | None = None,
        history: History | None = None,
        source_text: str | None = None,
        trace: RevisionRun | None = None,
    ) -> None:
        self.statements = statements
        self.settings = settings
        # what the earlier migrations of the same run did
        self.history = history if history is not None else History()
        # the revision .py file the statements came from (None for SQL input)
        self.source_text = source_text
        # True when the SQL that follows this migration (the next revision's block of the
        # same file) still runs in its transaction, so an open BEGIN is not left uncommitted.
        self.ends_in_transaction = ends_in_transaction
        # what PostgreSQL did when ``trace`` ran the revision (None: not traced, as in lint)
        self.trace = trace
        self._by_kind: dict[type, list[tuple[StatementFacts, f.Fact]]] | None = None
        # table name -> (schema, index of the creating statement)
        self._new_tables: dict[str, list[tuple[str | None, int]]] = {}
        # column name -> (table, index of the adding statement); renames of one add a row
        self._new_columns: dict[str, list[tuple[f.Name, int]]] = {}
        # index name -> (schema, index of the creating statement)
        self._new_indexes: dict[str, list[tuple[str | None, int]]] = {}
        # constraint name -> (table, index of the adding statement)
        self._new_constraints: dict[str, list[tuple[f.Name, int]]] = {}
        for statement in statements:
            for fact in statement.facts:
                self._note_created(fact, statement.index)

    def _note_created(self, fact: f.Fact, index: int) -> None:
        if isinstance(fact, f.CreateTable):
            self._add_new_table(fact.table, index)
            for constraint in fact.constraints:
                if constraint.name is not None:
                    self._new_constraints.setdefault(constraint.name, []).append(
                        (fact.table, index)
                    )
        elif isinstance(fact, f.RenameTable) and self.is_new_table(fact.table, index):
            self._add_new_table(fact.new_name, index)
        elif isinstance(fact, f.AddColumn):
            self._new_columns.setdefault(fact.column.name, []).append((fact.table, index))
        elif isinstance(fact, f.RenameColumn) and self.is_new_column(
            fact.table, fact.column, index
        ):
            self._new_columns.setdefault(fact.new_name, []).append((fact.table, index))
        elif isinstance(fact, f.CreateIndex) and fact.name is not None:
            self._new_indexes.setdefault(fact.name, []).append((fact.table.schema, index))
        elif isinstance(fact, f.AddConstraint) and fact.constraint.name is not None:
            self._new_constraints.setdefault(fact.constraint.name, []).append((fact.table, index))

    def _add_new_table(self, table: f.Name, index: int) -> None:
        self._new_tables.setdefault(table.name, []).append((table.schema, index))

    def each(self, kind: type[FactT]) -> Iterator[tuple[StatementFacts, FactT]]:
        """Every fact of type ``kind`` with its statement, in order."""
        if self._by_kind is None:
            # Built once, so forty rules asking for their kinds cost one pass over the facts.
            self._by_kind = {}
            for statement in self.statements:
                for fact in statement.facts:
                    self._by_kind.setdefault(type(fact), []).append((statement, fact))
        yield from self._by_kind.get(kind, ())  # type: ignore[misc]

    def is_new_table(self, table: f.Name, before: int) -> bool:
        """True when this migration created ``table`` before statement ``before``."""
        return any(
            index < before and f.Name(table.name, schema).same_as(table)
            for schema, index in self._new_tables.get(table.name, ())
        )

    def is_new_column(self, table: f.Name, column: str, before: int) -> bool:
        """True when this migration added ``table.column`` (or created ``table``) before
        statement ``before``; a column added under another name and renamed counts."""
        return self.is_new_table(table, before) or any(
            index < before and added.same_as(table)
            for added, index in self._new_columns.get(column, ())
        )

    def is_new_index(self, index_name: f.Name, before: int) -> bool:
        """True when this migration created the index ``index_name`` before statement
        ``before``."""
        return any(
            index < before and f.Name(index_name.name, schema).same_as(index_name)
            for schema, index in self._new_indexes.get(index_name.name, ())
        )

    def is_new_constraint(self, table: f.Name, name: str, before: int) -> bool:
        """True when this migration added the constraint ``name`` to ``table`` (in its
        ``CREATE TABLE`` or an ``ADD CONSTRAINT``) before statement ``before``."""
        return any(
            index < before and added.same_as(table)
            for added, index in self._new_constraints.get(name, ())
        )


class Rule:
    """Base of every rule; the subclass docstring is the rule's documentation."""

    id: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    help: ClassVar[str] = ""
    # Documentation-only entries describe findings produced outside the rule engine.
    produced_elsewhere: ClassVar[bool] = False
    # Judged from a trace (``MigrationFacts.trace``): silent where nothing ran, as in lint.
    traced: ClassVar[bool] = False
    # Opt-in rules run only when named in ``enable``.
    default_on: ClassVar[bool] = True

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        return iter(())
