"""Add UNIQUE and PRIMARY KEY constraints over an index built CONCURRENTLY first.

Fixes ``unique-without-index`` and ``primary-key-without-index`` when the flagged statement is
an ``op.create_unique_constraint`` / ``op.create_primary_key`` call of its own with a name.

Before::

    op.create_unique_constraint("uq_users_email", "users", ["email"])

After::

    with op.get_context().autocommit_block():
        op.execute('DROP INDEX CONCURRENTLY IF EXISTS "uq_users_email"')
        op.create_index(op.f("uq_users_email"), "users", ["email"], unique=True, postgresql_concurrently=True)
    op.execute('ALTER TABLE "users" ADD CONSTRAINT "uq_users_email" UNIQUE USING INDEX "uq_users_email"')

The unique index is built without blocking writes (see the concurrent-index fix for the
leftover INVALID index a failed build leaves), then ``ADD CONSTRAINT … USING INDEX`` turns it
into the constraint in an instant. The catalog ends the same as with the plain ADD CONSTRAINT:
one constraint owning one index of the same name, so ``downgrade()``'s ``drop_constraint``
needs no change. For a primary key, columns still nullable are set NOT NULL by the ADD (a scan):
make them NOT NULL first (the set-not-null fix) to keep it instant.
"""

from __future__ import annotations

from collections.abc import Sequence

from migration_guard.fix.calls import OpCall, autocommit_block, execute, quoted, statement
from migration_guard.fix.recipe import FixSettings, Recipe, Rewrite
from migration_guard.sql import facts as f

_KINDS = {"create_unique_constraint": "UNIQUE", "create_primary_key": "PRIMARY KEY"}
_PLAIN = {"schema"}


def rewrite(found: OpCall, facts: Sequence[f.Fact], settings: FixSettings) -> Rewrite | None:
    kind = _KINDS.get(found.name)
    if kind is None or found.has_star() or not found.keywords() <= _PLAIN | {"table_name"}:
        return None
    added = [fact for fact in facts if isinstance(fact, f.AddConstraint)]
    if len(added) != 1 or len(facts) != 1:
        return None
    constraint, table = added[0].constraint, added[0].table
    if not constraint.name or not constraint.columns:
        return None
    op, name = found.op, constraint.name
    q = found.string
    schema = f", schema={q(table.schema)}" if table.schema else ""
    build = statement(
        f"{op}.create_index({op}.f({q(name)}), {q(table.name)}, {found.strings(constraint.columns)}, "
        f"unique=True{schema}, postgresql_concurrently=True)"
    )
    leftover = execute(found, f"DROP INDEX CONCURRENTLY IF EXISTS {quoted(table.schema, name)}")
    attach = execute(
        found,
        f"ALTER TABLE {quoted(table.schema, table.name)} ADD CONSTRAINT {quoted(name)} "
        f"{kind} USING INDEX {quoted(name)}",
    )
    block = autocommit_block(op, [leftover, build], leading=found.statement)
    return Rewrite([block, attach])


RECIPE = Recipe(
    rules=("unique-without-index", "primary-key-without-index"), rewrite=rewrite, doc=__doc__ or ""
)
