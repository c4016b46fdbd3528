"""What the earlier migrations of the same run did, as far as the rules need to know it.

A run lints migrations in upgrade order (``lint --all``, an ``alembic upgrade --sql`` file);
each migration's facts are recorded here after it is linted, so a rule can ask what type a
column had or whether a check constraint was added NOT VALID before this migration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from migration_guard.rules.function_volatility import declared_not_volatile
from migration_guard.sql import facts as f


class Statement(Protocol):
    """A rendered statement (StatementFacts) or one read from a revision file."""

    @property
    def sql(self) -> str: ...

    @property
    def facts(self) -> tuple[f.Fact, ...]: ...


@dataclass(frozen=True)
class CheckConstraint:
    table: f.Name
    name: str
    expression: str
    validated: bool


@dataclass
class History:
    """Tables, column types and check constraints left behind by earlier migrations.

    ``in_project``: the run lints a project's revisions (False for bare SQL with no project);
    ``soft_delete_pairs``: tells (reading all the project's revision files statically, see
    ``history_scan``) whether some table has every soft-delete column; asked only when needed.
    """

    in_project: bool = False
    soft_delete_pairs: Callable[[], bool] | None = None
    _soft_delete_found: bool | None = None
    # (table, column) -> type, the latest known
    _types: dict[tuple[str, str], list[tuple[str | None, str]]] = field(default_factory=dict)
    # table name -> [(schema, columns)]
    _columns: dict[str, list[tuple[str | None, set[str]]]] = field(default_factory=dict)
    _checks: list[CheckConstraint] = field(default_factory=list)
    # index name -> [(index, its table)]; an index lives in its table's schema
    _indexes: dict[str, list[tuple[f.Name, f.Name]]] = field(default_factory=dict)
    # constraint name -> [(table, constraint)]; an unnamed unique or foreign key constraint under
    # the name PostgreSQL gives it
    _constraints: dict[str, list[tuple[f.Name, f.Constraint]]] = field(default_factory=dict)
    # index name -> [(index, its plain columns)]
    _index_columns: dict[str, list[tuple[f.Name, tuple[str, ...]]]] = field(default_factory=dict)
    # table name -> [(table, columns of its primary key or a unique constraint)]
    _keys: dict[str, list[tuple[f.Name, str]]] = field(default_factory=dict)
    # table name -> [(schema, primary key columns)], the latest known
    _primary_keys: dict[str, list[tuple[str | None, tuple[str, ...]]]] = field(default_factory=dict)
    # (table, column) -> [(schema, has a default)], the latest known
    _defaults: dict[tuple[str, str], list[tuple[str | None, bool]]] = field(default_factory=dict)
    # functions earlier migrations created IMMUTABLE or STABLE
    declared_not_volatile: set[str] = field(default_factory=set)
    # enum type -> its labels in order; None: changed in a way the facts do not tell
    _enums: list[tuple[f.Name, tuple[str, ...] | None]] = field(default_factory=list)

    def files_have_soft_delete_set(self) -> bool:
        """What ``soft_delete_pairs`` says, asked once; False without it."""
        if self._soft_delete_found is None:
            self._soft_delete_found = bool(self.soft_delete_pairs and self.soft_delete_pairs())
        return self._soft_delete_found

    def column_type(self, table: f.Name, column: str) -> str | None:
        """The column's type as an earlier migration left it; None when unknown."""
        for schema, type_ in reversed(self._types.get((table.name, column), [])):
            if f.Name(table.name, schema).same_as(table):
                return type_
        return None

    def has_default(self, table: f.Name, column: str) -> bool | None:
        """Whether the column has a default as earlier migrations left it (from its
        ``CREATE TABLE`` or ``ADD COLUMN``, then ``SET``/``DROP DEFAULT``); None when no
        earlier migration is known to have created it."""
        for schema, present in reversed(self._defaults.get((table.name, column), [])):
            if f.Name(table.name, schema).same_as(table):
                return present
        return None

    def primary_key(self, table: f.Name) -> tuple[str, ...]:
        """The columns of the primary key earlier migrations gave ``table``; empty when
        unknown."""
        for schema, columns in reversed(self._primary_keys.get(table.name, [])):
            if f.Name(table.name, schema).same_as(table):
                return columns
        return ()

    def has_table_with(self, columns: Iterable[str]) -> bool:
        wanted = set(columns)
        return any(wanted <= present for tables in self._columns.values() for _, present in tables)

    def index_table(self, index: f.Name) -> f.Name | None:
        """The table an earlier migration created ``index`` on; None when unknown."""
        for known, table in reversed(self._indexes.get(index.name, [])):
            if known.same_as(index):
                return table
        return None

    def index_columns(self, index: f.Name) -> tuple[str, ...]:
        """The plain columns an earlier migration created ``index`` on; empty when unknown."""
        for known, columns in reversed(self._index_columns.get(index.name, [])):
            if known.same_as(index):
                return columns
        return ()

    def constraint(self, table: f.Name, name: str) -> f.Constraint | None:
        """The constraint ``name`` an earlier migration put on ``table``; None when unknown."""
        for known, constraint in reversed(self._constraints.get(name, [])):
            if known.same_as(table):
                return constraint
        return None

    def key_columns(self, table: f.Name) -> set[str]:
        """Single columns earlier migrations made ``table``'s primary key or unique."""
        return {column for known, column in self._keys.get(table.name, []) if known.same_as(table)}

    def enum_values(self, type_: f.Name) -> tuple[str, ...] | None:
        """The labels of enum ``type_`` in order as earlier migrations left it; None: unknown."""
        for known, values in reversed(self._enums):
            if known.same_as(type_):
                return values
        return None

    def check_names(self, table: f.Name) -> set[str]:
        """The names of the check constraints earlier migrations left on ``table``."""
        return {c.name for c in self._checks if c.table.same_as(table)}

    def check(self, table: f.Name, name: str) -> CheckConstraint | None:
        for constraint in reversed(self._checks):
            if constraint.name == name and constraint.table.same_as(table):
                return constraint
        return None

    def record(self, statements: Iterable[Statement]) -> None:
        """Take in one migration's statements, in order."""
        for statement in statements:
            declared = declared_not_volatile(statement.sql)
            if declared is not None:
                self.declared_not_volatile.add(declared)
            for fact in statement.facts:
                self._record(fact)

    def _record(self, fact: f.Fact) -> None:
        if isinstance(fact, f.CreateTable):
            for column in fact.columns:
                self._add_column(fact.table, column)
                if column.primary_key or column.unique:
                    self._add_key(fact.table, column.name)
                if column.primary_key:
                    self._set_primary_key(fact.table, (column.name,))
            for constraint in fact.constraints:
                self._add_check(fact.table, constraint)
                self._add_constraint(fact.table, constraint)
        elif isinstance(fact, f.AddColumn):
            self._add_column(fact.table, fact.column)
            if fact.column.primary_key or fact.column.unique:
                self._add_key(fact.table, fact.column.name)
        elif isinstance(fact, f.CreateIndex) and fact.name is not None:
            index = f.Name(fact.name, fact.table.schema)
            self._indexes.setdefault(fact.name, []).append((index, fact.table))
            self._index_columns.setdefault(fact.name, []).append((index, fact.columns))
        elif isinstance(fact, f.DropIndex):
            same_name = self._indexes.get(fact.index.name, [])
            same_name[:] = [pair for pair in same_name if not pair[0].same_as(fact.index)]
            columns = self._index_columns.get(fact.index.name, [])
            columns[:] = [pair for pair in columns if not pair[0].same_as(fact.index)]
        elif isinstance(fact, f.AlterColumnType):
            self._set_type(fact.table, fact.column, fact.type)
        elif isinstance(fact, f.SetDefault):
            self._set_default(fact.table, fact.column, fact.default is not None)
        elif isinstance(fact, f.RenameColumn):
            # the default moves with the column; a name no longer known is no longer sure
            moved = self.has_default(fact.table, fact.column)
            self._defaults.pop((fact.table.name, fact.column), None)
            self._defaults.pop((fact.table.name, fact.new_name), None)
            if moved is not None:
                self._set_default(fact.table, fact.new_name, moved)
        elif isinstance(fact, f.AddConstraint):
            self._add_check(fact.table, fact.constraint)
            self._add_constraint(fact.table, fact.constraint)
        elif isinstance(fact, f.ValidateConstraint):
            found = self.check(fact.table, fact.name)
            if found is not None:
                self._checks.remove(found)
                self._checks.append(
                    CheckConstraint(found.table, found.name, found.expression, True)
                )
        elif isinstance(fact, f.DropConstraint):
            named = self._constraints.get(fact.name, [])
            named[:] = [pair for pair in named if not pair[0].same_as(fact.table)]
            found = self.check(fact.table, fact.name)
            if found is not None:
                self._checks.remove(found)
        elif isinstance(fact, (f.CreateEnum, f.AddEnumValue, f.RenameEnumValue)):
            self._enums.append((fact.type, enum_after(fact, self.enum_values(fact.type))))
        elif isinstance(fact, f.RenameType):
            values = self.enum_values(fact.type)
            self._forget_enum(fact.type)
            if values is not None:
                self._enums.append((fact.new_name, values))
        elif isinstance(fact, f.DropType):
            self._forget_enum(fact.type)
        elif isinstance(fact, f.DropColumn):
            self._types.pop((fact.table.name, fact.column), None)
            self._defaults.pop((fact.table.name, fact.column), None)
            for schema, present in self._columns.get(fact.table.name, []):
                if f.Name(fact.table.name, schema).same_as(fact.table):
                    present.discard(fact.column)

    def _forget_enum(self, type_: f.Name) -> None:
        self._enums[:] = [pair for pair in self._enums if not pair[0].same_as(type_)]

    def _add_column(self, table: f.Name, column: f.Column) -> None:
        self._set_type(table, column.name, column.type)
        serial = column.type.endswith("serial")  # a default of nextval(...)
        self._set_default(table, column.name, column.default is not None or serial)
        for schema, present in self._columns.setdefault(table.name, []):
            if schema == table.schema:
                present.add(column.name)
                return
        self._columns[table.name].append((table.schema, {column.name}))

    def _set_default(self, table: f.Name, column: str, present: bool) -> None:
        self._defaults.setdefault((table.name, column), []).append((table.schema, present))

    def _set_type(self, table: f.Name, column: str, type_: str) -> None:
        self._types.setdefault((table.name, column), []).append((table.schema, type_))

    def _add_key(self, table: f.Name, column: str) -> None:
        self._keys.setdefault(table.name, []).append((table, column))

    def _set_primary_key(self, table: f.Name, columns: tuple[str, ...]) -> None:
        self._primary_keys.setdefault(table.name, []).append((table.schema, columns))

    def _add_constraint(self, table: f.Name, constraint: f.Constraint) -> None:
        if constraint.kind in ("primary-key", "unique") and len(constraint.columns) == 1:
            self._add_key(table, constraint.columns[0])
        if constraint.kind == "primary-key" and constraint.columns:
            self._set_primary_key(table, constraint.columns)
        name = constraint.name or _default_name(table, constraint)
        if name:
            self._constraints.setdefault(name, []).append((table, constraint))

    def _add_check(self, table: f.Name, constraint: f.Constraint) -> None:
        if constraint.kind != "check" or not constraint.name or not constraint.expression:
            return
        self._checks.append(
            CheckConstraint(table, constraint.name, constraint.expression, not constraint.not_valid)
        )


def enum_after(
    fact: f.CreateEnum | f.AddEnumValue | f.RenameEnumValue, values: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """An enum's labels after ``fact`` changed ``values`` (None: not known then or now)."""
    if isinstance(fact, f.CreateEnum):
        return fact.values
    if values is None:
        return None
    if isinstance(fact, f.RenameEnumValue):
        return tuple(fact.new_value if value == fact.value else value for value in values)
    if fact.value in values:  # ADD VALUE IF NOT EXISTS of a label it has
        return values
    anchor = fact.before if fact.before is not None else fact.after
    if anchor is None:
        return (*values, fact.value)
    if anchor not in values:
        return None
    at = values.index(anchor) + (0 if fact.before is not None else 1)
    return (*values[:at], fact.value, *values[at:])


_SUFFIX = {"unique": "key", "foreign-key": "fkey"}


def _default_name(table: f.Name, constraint: f.Constraint) -> str | None:
    """The name PostgreSQL gives an unnamed unique (``orders_code_key``) or foreign key
    (``orders_user_id_fkey``) constraint; None for other kinds, or past 63 bytes (where
    PostgreSQL shortens it its own way)."""
    suffix = _SUFFIX.get(constraint.kind)
    if suffix is None or not constraint.columns:
        return None
    name = "_".join((table.name, *constraint.columns, suffix))
    return name if len(name.encode()) <= 63 else None
