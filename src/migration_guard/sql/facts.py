"""What a statement does, as plain frozen data; rules read these, never tokens.

Names are normalised the way PostgreSQL resolves them: unquoted identifiers are
folded to lower case, quoted ones are kept exactly (without the quotes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

TEXT_TYPES = frozenset(
    {"text", "varchar", "character varying", "char", "character", "bpchar", "citext"}
)
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})


@dataclass(frozen=True)
class Name:
    """A possibly schema-qualified object name."""

    name: str
    schema: str | None = None

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    def same_as(self, other: Name) -> bool:
        """Same object, treating an unqualified name as matching any schema."""
        if self.name != other.name:
            return False
        return self.schema is None or other.schema is None or self.schema == other.schema


@dataclass(frozen=True)
class Column:
    """A column definition from CREATE TABLE or ADD COLUMN."""

    name: str
    type: str  # normalised: lower case, single spaces, e.g. "varchar(50)"
    not_null: bool = False
    default: str | None = None  # the expression as written; None when absent or NULL
    identity: bool = False  # GENERATED ... AS IDENTITY
    generated: bool = False  # GENERATED ALWAYS AS (...) STORED
    primary_key: bool = False
    unique: bool = False
    references: Name | None = None
    check: str | None = None

    @property
    def base_type(self) -> str:
        """The type without modifiers, array brackets or schema: "varchar(50)[]" -> "varchar"."""
        base = self.type.split("(", 1)[0].split("[", 1)[0].strip()
        # "text" quoted is still the type text; pg_catalog.text is too.
        return base.rsplit(".", 1)[-1].strip('"')

    @property
    def fills_itself(self) -> bool:
        """True when existing rows get a value without a DEFAULT clause."""
        return self.identity or self.generated or self.base_type in SERIAL_TYPES


ConstraintKind = Literal["check", "foreign-key", "unique", "primary-key", "exclude"]


@dataclass(frozen=True)
class Constraint:
    """A table constraint (or a column constraint written as one)."""

    kind: ConstraintKind
    name: str | None = None
    columns: tuple[str, ...] = ()
    not_valid: bool = False
    using_index: str | None = None  # ADD CONSTRAINT ... UNIQUE/PRIMARY KEY USING INDEX idx
    references: Name | None = None
    expression: str | None = None  # CHECK body, normalised


@dataclass(frozen=True)
class CreateTable:
    table: Name
    columns: tuple[Column, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    guarded: bool = False  # IF NOT EXISTS
    # CREATE TABLE … AS SELECT: the tables the query reads (empty WITH NO DATA)
    copied_from: tuple[Name, ...] = ()


@dataclass(frozen=True)
class DropTable:
    table: Name
    guarded: bool = False  # IF EXISTS


@dataclass(frozen=True)
class RenameTable:
    table: Name
    new_name: Name


@dataclass(frozen=True)
class AddColumn:
    table: Name
    column: Column
    guarded: bool = False  # IF NOT EXISTS


@dataclass(frozen=True)
class DropColumn:
    table: Name
    column: str
    guarded: bool = False  # IF EXISTS


@dataclass(frozen=True)
class RenameColumn:
    table: Name
    column: str
    new_name: str


@dataclass(frozen=True)
class AlterColumnType:
    table: Name
    column: str
    type: str
    using: str | None = None


@dataclass(frozen=True)
class SetNotNull:
    table: Name
    column: str


@dataclass(frozen=True)
class DropNotNull:
    table: Name
    column: str


@dataclass(frozen=True)
class SetDefault:
    table: Name
    column: str
    default: str | None  # None for DROP DEFAULT


@dataclass(frozen=True)
class AddConstraint:
    table: Name
    constraint: Constraint


@dataclass(frozen=True)
class DropConstraint:
    table: Name
    name: str
    guarded: bool = False  # IF EXISTS


@dataclass(frozen=True)
class ValidateConstraint:
    table: Name
    name: str


@dataclass(frozen=True)
class RenameConstraint:
    table: Name
    name: str
    new_name: str


@dataclass(frozen=True)
class OtherAlterTable:
    """An ALTER TABLE action the rules do not look into (OWNER, SET SCHEMA, ...)."""

    table: Name
    action: str


@dataclass(frozen=True)
class CreateIndex:
    name: str | None
    table: Name
    columns: tuple[str, ...] = ()  # plain column names; expressions are left out
    unique: bool = False
    concurrently: bool = False
    guarded: bool = False  # IF NOT EXISTS


@dataclass(frozen=True)
class DropIndex:
    index: Name
    concurrently: bool = False
    guarded: bool = False  # IF EXISTS


@dataclass(frozen=True)
class CreateEnum:
    type: Name
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class DropType:
    type: Name


@dataclass(frozen=True)
class AddEnumValue:
    type: Name
    value: str
    before: str | None = None  # BEFORE 'w': the label it goes in front of
    after: str | None = None  # AFTER 'w'; neither: it goes last


@dataclass(frozen=True)
class RenameType:
    type: Name
    new_name: Name


@dataclass(frozen=True)
class RenameEnumValue:
    type: Name
    value: str
    new_value: str


@dataclass(frozen=True)
class Delete:
    """DELETE FROM ``table``, at top level, in a CTE, or in a DO block."""

    table: Name
    where: bool = True  # False: no WHERE, every row goes
    pinned: tuple[str, ...] = ()  # columns the WHERE holds to literals (see Update.pinned)


@dataclass(frozen=True)
class Truncate:
    table: Name
    cascade: bool = False


@dataclass(frozen=True)
class Insert:
    table: Name
    # the tables its SELECT reads (FROM and JOIN, subqueries too); empty for VALUES
    sources: tuple[Name, ...] = ()


@dataclass(frozen=True)
class Update:
    table: Name
    where: bool = True  # False: no WHERE (and no FROM join), every row is rewritten
    columns: tuple[str, ...] = ()  # the SET targets as written, duplicates kept
    # columns the WHERE holds to literals (c = 5, c IN (1, 2)) in AND-ed terms, when no
    # OR and no FROM join widens it; empty when nothing is pinned
    pinned: tuple[str, ...] = ()


@dataclass(frozen=True)
class StringLiterals:
    """The string constants a data-changing statement (INSERT, UPDATE, DELETE, MERGE) uses."""

    values: tuple[str, ...]


@dataclass(frozen=True)
class SetParameter:
    """``SET [SESSION | LOCAL] name …``; ``name`` lower case."""

    name: str
    local: bool = False


@dataclass(frozen=True)
class Reindex:
    """``REINDEX [(…)] INDEX | TABLE | SCHEMA | DATABASE | SYSTEM [CONCURRENTLY] name``."""

    target: str  # "index", "table", "schema", "database", "system"
    name: Name | None
    concurrently: bool = False


@dataclass(frozen=True)
class LockTable:
    tables: tuple[Name, ...]
    mode: str  # upper case, e.g. "ACCESS EXCLUSIVE" (the default)


@dataclass(frozen=True)
class DetachPartition:
    table: Name
    partition: Name | None
    concurrently: bool = False  # CONCURRENTLY or FINALIZE


@dataclass(frozen=True)
class RewritingMaintenance:
    """``VACUUM FULL`` or ``CLUSTER``: the table rewritten under ACCESS EXCLUSIVE."""

    command: Literal["vacuum full", "cluster"]
    tables: tuple[Name, ...] = ()  # empty: every table of the database


@dataclass(frozen=True)
class DomainConstraint:
    """A constraint on a domain: ``CREATE DOMAIN … CHECK`` or ``ALTER DOMAIN … ADD``."""

    domain: Name
    action: Literal["create", "add"]
    not_valid: bool = False


TransactionAction = Literal["begin", "commit", "rollback"]


@dataclass(frozen=True)
class Transaction:
    action: TransactionAction


@dataclass(frozen=True)
class NotPostgresql:
    """A statement written for another database (MySQL's ``DROP PRIMARY KEY``, backtick
    quotes): PostgreSQL refuses it, and it is not read further, so no rule misreads it."""

    reason: str  # what gives it away, e.g. "DROP PRIMARY KEY"


@dataclass(frozen=True)
class Other:
    """A statement the rules do not look into; ``kind`` is its leading keywords, lower case."""

    kind: str


Fact = (
    CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | AlterColumnType
    | SetNotNull
    | DropNotNull
    | SetDefault
    | AddConstraint
    | DropConstraint
    | ValidateConstraint
    | RenameConstraint
    | OtherAlterTable
    | CreateIndex
    | DropIndex
    | CreateEnum
    | DropType
    | AddEnumValue
    | RenameType
    | RenameEnumValue
    | Delete
    | Truncate
    | Insert
    | Update
    | Transaction
    | StringLiterals
    | SetParameter
    | Reindex
    | LockTable
    | DetachPartition
    | RewritingMaintenance
    | DomainConstraint
    | NotPostgresql
    | Other
)
