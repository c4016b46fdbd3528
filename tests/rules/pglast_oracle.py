"""PostgreSQL's own parser (pglast, libpg_query) as the oracle for what a statement does.

Both readers are brought to one vocabulary of comparable tuples, for the facts the rules
depend on: statement kind, target table, column names of ADD/DROP COLUMN, index name,
CONCURRENTLY, NOT VALID, constraint kind and name. Facts only one side models are left out.
"""

from __future__ import annotations

from typing import Any

import pglast
from pglast import ast, enums

from migration_guard.sql import facts as f
from migration_guard.sql.reader import read_statement
from migration_guard.sql.statements import split_statements

Shape = tuple[Any, ...]

_CONSTRAINT_KINDS = {
    enums.ConstrType.CONSTR_CHECK: "check",
    enums.ConstrType.CONSTR_FOREIGN: "foreign-key",
    enums.ConstrType.CONSTR_UNIQUE: "unique",
    enums.ConstrType.CONSTR_PRIMARY: "primary-key",
    enums.ConstrType.CONSTR_EXCLUSION: "exclude",
}


def postgres_accepts(sql: str) -> bool:
    try:
        pglast.parse_sql(sql)
    except pglast.parser.ParseError:
        return False
    return True


def theirs(sql: str) -> list[Shape] | None:
    """The shapes of the one statement ``sql`` as PostgreSQL's parser reads it; None for a DO
    block, whose body PostgreSQL's SQL parser leaves as a string (ours reads its DELETEs)."""
    (raw,) = pglast.parse_sql(sql)
    if isinstance(raw.stmt, ast.DoStmt):
        return None
    return list(_shapes(raw.stmt))


def ours(sql: str) -> list[Shape]:
    (statement,) = split_statements(sql)
    shapes: list[Shape] = []
    for fact in read_statement(statement):
        shapes.extend(_our_shapes(fact))
    return shapes


def _table(relation: ast.RangeVar) -> Shape:
    return (relation.schemaname, relation.relname)


def _name(name: f.Name) -> Shape:
    return (_truncated(name.schema), _truncated(name.name))


def _truncated(identifier: str | None) -> str | None:
    """What PostgreSQL keeps of an identifier: 63 bytes (NAMEDATALEN - 1), whole characters.
    Our facts keep the name as written, so identifier-too-long can say what was cut."""
    if identifier is None:
        return None
    cut = identifier.encode()[:63]
    return cut.decode(errors="ignore")


def _shapes(node: Any) -> Any:
    with_clause = getattr(node, "withClause", None)
    if with_clause is not None:
        for cte in with_clause.ctes or ():
            yield from _shapes(cte.ctequery)
    if isinstance(node, ast.CreateStmt):
        yield ("create-table", _table(node.relation))
    elif isinstance(node, ast.CreateTableAsStmt) and node.objtype == enums.ObjectType.OBJECT_TABLE:
        yield ("create-table", _table(node.into.rel))
    elif isinstance(node, ast.AlterTableStmt) and node.objtype == enums.ObjectType.OBJECT_TABLE:
        table = _table(node.relation)
        for command in node.cmds or ():
            yield from _alter_command(table, command)
    elif isinstance(node, ast.IndexStmt):
        yield ("create-index", node.idxname, _table(node.relation), bool(node.concurrent))
    elif isinstance(node, ast.DropStmt) and node.removeType == enums.ObjectType.OBJECT_INDEX:
        for names in node.objects:
            yield ("drop-index", names[-1].sval, bool(node.concurrent))
    elif isinstance(node, ast.DropStmt) and node.removeType == enums.ObjectType.OBJECT_TABLE:
        for names in node.objects:
            parts = [part.sval for part in names]
            yield ("drop-table", (parts[-2] if len(parts) > 1 else None, parts[-1]))
    elif isinstance(node, ast.RenameStmt) and node.renameType == enums.ObjectType.OBJECT_COLUMN:
        yield ("rename-column", _table(node.relation), node.subname, node.newname)
    elif isinstance(node, ast.RenameStmt) and node.renameType == enums.ObjectType.OBJECT_TABLE:
        yield ("rename-table", _table(node.relation), node.newname)
    elif isinstance(node, ast.InsertStmt):
        yield ("insert", _table(node.relation))
    elif isinstance(node, ast.UpdateStmt):
        yield (
            "update",
            _table(node.relation),
            node.whereClause is not None or bool(node.fromClause),
        )
    elif isinstance(node, ast.DeleteStmt):
        yield ("delete", _table(node.relation))
    elif isinstance(node, ast.MergeStmt):
        for clause in node.mergeWhenClauses or ():
            if clause.commandType == enums.CmdType.CMD_DELETE:
                yield ("delete", _table(node.relation))
                break


def _alter_command(table: Shape, command: ast.AlterTableCmd) -> Any:
    kind = enums.AlterTableType
    subtype = command.subtype
    if subtype == kind.AT_AddColumn:
        yield ("add-column", table, command.def_.colname)
    elif subtype == kind.AT_DropColumn:
        yield ("drop-column", table, command.name)
    elif subtype == kind.AT_AlterColumnType:
        yield ("alter-type", table, command.name)
    elif subtype == kind.AT_SetNotNull:
        yield ("set-not-null", table, command.name)
    elif subtype == kind.AT_DropNotNull:
        yield ("drop-not-null", table, command.name)
    elif subtype == kind.AT_AddConstraint:
        constraint = command.def_
        if constraint.contype in _CONSTRAINT_KINDS:
            yield (
                "add-constraint",
                table,
                _CONSTRAINT_KINDS[constraint.contype],
                constraint.conname,
                bool(constraint.skip_validation),
            )
    elif subtype == kind.AT_ValidateConstraint:
        yield ("validate-constraint", table, command.name)
    elif subtype == kind.AT_DropConstraint:
        yield ("drop-constraint", table, command.name)


def _our_shapes(fact: f.Fact) -> Any:
    if isinstance(fact, f.CreateTable):
        yield ("create-table", _name(fact.table))
    elif isinstance(fact, f.AddColumn):
        yield ("add-column", _name(fact.table), _truncated(fact.column.name))
    elif isinstance(fact, f.DropColumn):
        yield ("drop-column", _name(fact.table), fact.column)
    elif isinstance(fact, f.AlterColumnType):
        yield ("alter-type", _name(fact.table), fact.column)
    elif isinstance(fact, f.SetNotNull):
        yield ("set-not-null", _name(fact.table), fact.column)
    elif isinstance(fact, f.DropNotNull):
        yield ("drop-not-null", _name(fact.table), fact.column)
    elif isinstance(fact, f.AddConstraint):
        constraint = fact.constraint
        yield (
            "add-constraint",
            _name(fact.table),
            constraint.kind,
            constraint.name,
            constraint.not_valid,
        )
    elif isinstance(fact, f.ValidateConstraint):
        yield ("validate-constraint", _name(fact.table), fact.name)
    elif isinstance(fact, f.DropConstraint):
        yield ("drop-constraint", _name(fact.table), fact.name)
    elif isinstance(fact, f.CreateIndex):
        yield ("create-index", _truncated(fact.name), _name(fact.table), fact.concurrently)
    elif isinstance(fact, f.DropIndex):
        yield ("drop-index", _truncated(fact.index.name), fact.concurrently)
    elif isinstance(fact, f.DropTable):
        yield ("drop-table", _name(fact.table))
    elif isinstance(fact, f.RenameColumn):
        yield ("rename-column", _name(fact.table), fact.column, fact.new_name)
    elif isinstance(fact, f.RenameTable):
        yield ("rename-table", _name(fact.table), fact.new_name.name)
    elif isinstance(fact, f.Insert):
        yield ("insert", _name(fact.table))
    elif isinstance(fact, f.Update):
        yield ("update", _name(fact.table), fact.where)
    elif isinstance(fact, f.Delete):
        yield ("delete", _name(fact.table))
