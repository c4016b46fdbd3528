"""SET NOT NULL on an existing column through a validated CHECK, so the table is not scanned
under ACCESS EXCLUSIVE.

Fixes ``set-not-null`` when the flagged statement is an ``op.alter_column(…, nullable=False)``
call that changes nothing else (``existing_*`` arguments and ``schema`` may be given).

Before::

    op.alter_column("users", "email", existing_type=sa.String(100), nullable=False)

After::

    op.create_check_constraint(op.f("users_email_not_null_check"), "users", '"email" IS NOT NULL', postgresql_not_valid=True)
    with op.get_context().autocommit_block():
        op.execute('ALTER TABLE "users" VALIDATE CONSTRAINT "users_email_not_null_check"')
    op.alter_column("users", "email", existing_type=sa.String(100), nullable=False)
    op.drop_constraint(op.f("users_email_not_null_check"), "users", type_="check")

The CHECK is added NOT VALID (an instant), validated in its own transaction under SHARE UPDATE
EXCLUSIVE (reads and writes go on), and from PostgreSQL 12 on ``SET NOT NULL`` uses the
validated check instead of scanning the table; the check is then redundant and dropped. Its
name is not ``<table>_<column>_not_null``: PostgreSQL 18 gives that name to the NOT NULL
constraint itself.
``downgrade()`` needs no change: dropping NOT NULL is instant.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from migration_guard.fix.calls import OpCall, autocommit_block, execute, quoted, statement
from migration_guard.fix.recipe import FixSettings, Recipe, Rewrite
from migration_guard.sql import facts as f

_KEPT = {
    "nullable",
    "schema",
    "existing_type",
    "existing_server_default",
    "existing_nullable",
    "existing_comment",
}


def rewrite(found: OpCall, facts: Sequence[f.Fact], settings: FixSettings) -> Rewrite | None:
    if found.name != "alter_column" or found.has_star() or not found.keywords() <= _KEPT:
        return None
    nullable = found.argument(None, "nullable")
    if not (isinstance(nullable, cst.Name) and nullable.value == "False"):
        return None
    positional = [arg for arg in found.call.args if arg.keyword is None]
    if len(positional) != 2:
        return None
    setting = [fact for fact in facts if isinstance(fact, f.SetNotNull)]
    if len(setting) != 1 or len(facts) != 1:
        return None
    table, column = setting[0].table, setting[0].column
    check = _check_name(table.name, column)
    op = found.op
    q = found.string
    schema = f", schema={q(table.schema)}" if table.schema else ""
    add = statement(
        f"{op}.create_check_constraint({op}.f({q(check)}), {q(table.name)}, "
        f"{q(quoted(column) + ' IS NOT NULL')}{schema}, postgresql_not_valid=True)"
    )
    add = add.with_changes(leading_lines=found.statement.leading_lines)
    validate = execute(
        found, f"ALTER TABLE {quoted(table.schema, table.name)} VALIDATE CONSTRAINT {quoted(check)}"
    )
    kept = found.statement.with_changes(leading_lines=())
    drop = statement(
        f"{op}.drop_constraint({op}.f({q(check)}), {q(table.name)}{schema}, type_={q('check')})"
    )
    return Rewrite([add, autocommit_block(op, [validate]), kept, drop])


def _check_name(table: str, column: str) -> str:
    """``<table>_<column>_not_null_check``, cut to PostgreSQL's 63 bytes as it would cut it."""
    name = f"{table}_{column}_not_null_check"
    encoded = name.encode()
    if len(encoded) <= 63:
        return name
    return encoded[:63].decode("utf-8", errors="ignore")


RECIPE = Recipe(rules=("set-not-null",), rewrite=rewrite, doc=__doc__ or "")
