"""What seeding reads from the catalogue (runs in the trace child): tables, columns, keys.

The database about to be traced is the only source: every table the user owns (partitions are
filled through their parent; tables an extension owns and Alembic's version table are left
alone), each column with its type resolved through domains to the base type, and the primary
key, unique, foreign key and check constraints that decide which values a row may hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from migration_guard.trace.observe import VERSION_TABLE, fetch, relation_name

TABLES = f"""
SELECT c.oid::text, n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND c.relname <> '{VERSION_TABLE}'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""

_COLUMNS = """
SELECT a.attrelid::text, a.attnum::int, a.attname, a.atttypid::int, a.atttypmod,
       format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef,
       COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false),
       a.attidentity::text <> '', a.attgenerated::text <> ''
FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid IN (OIDS) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""

_CONSTRAINTS = """
SELECT co.conrelid::text, co.contype::text, co.conkey::int[], co.confrelid::text,
       co.confkey::int[], pg_get_constraintdef(co.oid), co.conname::text
FROM pg_constraint co
WHERE co.conrelid IN (OIDS) AND co.contype IN ('p', 'u', 'f', 'c')
ORDER BY co.conrelid, co.conname
"""

_TYPE = """
SELECT t.typname, t.typtype::text, t.typcategory::text, t.typelem::int, t.typbasetype::int,
       t.typtypmod, r.rngsubtype::int,
       (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
        WHERE e.enumtypid = t.oid),
       (SELECT array_agg(pg_get_constraintdef(co.oid)) FROM pg_constraint co
        WHERE co.contypid = t.oid AND co.contype = 'c'),
       (SELECT array_agg(co.conname::text) FROM pg_constraint co
        WHERE co.contypid = t.oid AND co.contype = 'c')
FROM pg_type t LEFT JOIN pg_range r ON r.rngtypid = t.oid
WHERE t.oid = TYPEOID
"""


@dataclass(frozen=True)
class BaseType:
    """A column's type after domains: what values are made of."""

    name: str
    kind: str  # pg_type.typtype: b base, e enum, r range, c composite, ...
    category: str
    typmod: int
    element: BaseType | None = None  # an array's element, a range's subtype
    labels: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()  # the domains' CHECK definitions
    check_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Column:
    number: int
    name: str
    cast: str  # format_type: the declared type (a domain keeps its checks)
    type: BaseType
    not_null: bool
    has_default: bool
    sequence: bool  # serial or identity
    generated: bool


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[int, ...]
    parent: str  # the referenced table's oid
    parent_columns: tuple[int, ...]


@dataclass
class Table:
    oid: str
    schema: str
    name: str
    columns: list[Column] = field(default_factory=list)
    keys: list[tuple[int, ...]] = field(default_factory=list)  # primary key and unique
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: dict[str, tuple[tuple[int, ...], str]] = field(default_factory=dict)  # by name

    @property
    def display(self) -> str:
        return relation_name(self.schema, self.name)

    @property
    def quoted(self) -> str:
        return quote(self.schema) + "." + quote(self.name)

    def column(self, number: int) -> Column:
        (found,) = [c for c in self.columns if c.number == number]
        return found

    def is_version_table(self) -> bool:
        """Alembic's version table under another name (``version_table``): one version_num."""
        return [c.name for c in self.columns] == ["version_num"]


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_tables(connection: Any) -> list[Table]:
    """Every table seeding may fill, with columns and constraints, in name order."""
    tables = {oid: Table(oid, schema, name) for oid, schema, name in fetch(connection, TABLES)}
    if not tables:
        return []
    oids = ", ".join(f"{int(oid)}::oid" for oid in tables)
    types: dict[tuple[int, int], BaseType | None] = {}
    for row in fetch(connection, _COLUMNS.replace("OIDS", oids)):
        oid, number, name, type_oid, typmod, cast, not_null, default, serial, ident, gen = row
        key = (int(type_oid), int(typmod))
        if key not in types:
            types[key] = _base_type(connection, *key)
        base = types[key]
        if base is None:
            base = BaseType("", "?", "?", -1)
        tables[oid].columns.append(
            Column(int(number), name, cast, base, not_null, default, serial or ident, gen)
        )
    for oid, kind, keys, parent, parent_keys, definition, name in fetch(
        connection, _CONSTRAINTS.replace("OIDS", oids)
    ):
        table = tables[oid]
        columns = tuple(int(k) for k in keys or ())
        if kind in ("p", "u"):
            table.keys.append(columns)
        elif kind == "f":
            table.foreign_keys.append(
                ForeignKey(columns, str(parent), tuple(int(k) for k in parent_keys))
            )
        else:
            table.checks[name] = (columns, definition)
    return [table for table in tables.values() if not table.is_version_table()]


def _base_type(connection: Any, type_oid: int, typmod: int, depth: int = 0) -> BaseType | None:
    rows = fetch(connection, _TYPE.replace("TYPEOID", f"{int(type_oid)}::oid"))
    if not rows or depth > 8:
        return None
    name, kind, category, element, base, base_typmod, subtype, labels, checks, names = rows[0]
    if kind == "d":
        inner = _base_type(connection, base, typmod if typmod >= 0 else base_typmod, depth + 1)
        if inner is None:
            return None
        return BaseType(
            inner.name,
            inner.kind,
            inner.category,
            inner.typmod,
            inner.element,
            inner.labels,
            tuple(checks or ()) + inner.checks,
            tuple(names or ()) + inner.check_names,
        )
    inner_type = None
    if category == "A" and element:
        inner_type = _base_type(connection, element, typmod, depth + 1)
    elif kind == "r" and subtype:
        inner_type = _base_type(connection, subtype, -1, depth + 1)
    return BaseType(name, kind, category, typmod, inner_type, tuple(labels or ()))
