"""Add foreign keys and CHECK constraints NOT VALID, and validate them in a transaction of their own.

Fixes ``constraint-without-not-valid`` when the flagged statement is an
``op.create_foreign_key`` / ``op.create_check_constraint`` call of its own.

Before::

    op.create_foreign_key("fk_users_org", "users", "orgs", ["org_id"], ["id"])

After::

    op.create_foreign_key("fk_users_org", "users", "orgs", ["org_id"], ["id"], postgresql_not_valid=True)
    with op.get_context().autocommit_block():
        op.execute('ALTER TABLE "users" VALIDATE CONSTRAINT "fk_users_org"')

Added NOT VALID, the constraint holds for new rows at once and takes its strong lock only for
an instant. ``VALIDATE CONSTRAINT`` then checks the existing rows under SHARE UPDATE EXCLUSIVE
(reads and writes go on), and it runs after the adding transaction has committed, so that lock
is never held together with the one the ADD took. The constraint name is the one PostgreSQL
gets (read from the rendered SQL, so a naming convention is honoured). An unnamed foreign key
(autogenerate writes ``None``) is given the name PostgreSQL would choose,
``<table>_<columns>_fkey``, so it can be validated, and the ``drop_constraint(None, …)`` in
``downgrade()``, which Alembic cannot run, gets that name too; an unnamed CHECK is left for a
human (PostgreSQL names it after the columns its expression reads).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from migration_guard.fix.calls import (
    OpCall,
    autocommit_block,
    execute,
    quoted,
    replaced_call,
    with_keyword,
)
from migration_guard.fix.recipe import Counterpart, FixSettings, Recipe, Rewrite
from migration_guard.sql import facts as f


def rewrite(found: OpCall, facts: Sequence[f.Fact], settings: FixSettings) -> Rewrite | None:
    if found.name not in ("create_foreign_key", "create_check_constraint") or found.has_star():
        return None
    added = next((fact for fact in facts if isinstance(fact, f.AddConstraint)), None)
    if added is None:
        return None
    call, name = found.call, added.constraint.name
    counterparts: tuple[Counterpart, ...] = ()
    if name is None:
        name = _default_foreign_key_name(found, added)
        if name is None:
            return None
        call = _named(found, name)
        counterparts = (_unnamed_drop(found, added.table.name, name),)
    table = quoted(added.table.schema, added.table.name)
    not_valid = replaced_call(found, with_keyword(call, "postgresql_not_valid", "True"))
    validate = execute(found, f"ALTER TABLE {table} VALIDATE CONSTRAINT {quoted(name)}")
    return Rewrite([not_valid, autocommit_block(found.op, [validate])], counterparts)


def _default_foreign_key_name(found: OpCall, added: f.AddConstraint) -> str | None:
    """``<table>_<col>_…_fkey``, PostgreSQL's choice, when it fits its 63 bytes uncut."""
    first = found.argument(0, "constraint_name")
    unnamed = first is None or (isinstance(first, cst.Name) and first.value == "None")
    if added.constraint.kind != "foreign-key" or not unnamed or not added.constraint.columns:
        return None
    name = "_".join((added.table.name, *added.constraint.columns, "fkey"))
    return name if len(name.encode()) <= 63 else None


def _named(found: OpCall, name: str) -> cst.Call:
    """The call with ``name`` (as ``op.f(…)``: used as given) in place of ``None``."""
    value = cst.parse_expression(f"{found.op}.f({found.string(name)})")
    args = list(found.call.args)
    for index, arg in enumerate(args):
        if (arg.keyword is None and index == 0) or (
            arg.keyword is not None and arg.keyword.value == "constraint_name"
        ):
            args[index] = arg.with_changes(value=value)
            return found.call.with_changes(args=args)
    return with_keyword(found.call, "constraint_name", f"{found.op}.f({found.string(name)})")


def _unnamed_drop(fixed: OpCall, table: str, name: str) -> Counterpart:
    """downgrade()'s ``op.drop_constraint(None, table, type_="foreignkey")``, named."""

    def counterpart(found: OpCall) -> list[cst.BaseStatement] | None:
        if found.name != "drop_constraint" or found.text(1, "table_name") != table:
            return None
        first = found.argument(0, "constraint_name")
        if not (isinstance(first, cst.Name) and first.value == "None"):
            return None
        if found.text(2, "type_") != "foreignkey":
            return None
        return [replaced_call(found, _named(found, name))]

    return counterpart


RECIPE = Recipe(rules=("constraint-without-not-valid",), rewrite=rewrite, doc=__doc__ or "")
