"""Build and drop indexes on existing tables CONCURRENTLY, outside the migration's transaction.

Fixes ``index-not-concurrent``, ``drop-index-not-concurrent`` and ``concurrently-in-transaction``
when the flagged statement is an ``op.create_index`` / ``op.drop_index`` call of its own.

Before::

    op.create_index("ix_users_email", "users", ["email"])

After::

    with op.get_context().autocommit_block():
        op.execute('DROP INDEX CONCURRENTLY IF EXISTS "ix_users_email"')
        op.create_index("ix_users_email", "users", ["email"], postgresql_concurrently=True)

``CREATE INDEX CONCURRENTLY`` cannot run in a transaction block, so Alembic's
``autocommit_block()`` commits what came before and runs it on its own. When a concurrent build
fails (a deadlock, a duplicate in a unique index) PostgreSQL leaves an INVALID index of that name
behind; its documentation's remedy is to drop it and build again, which the ``DROP INDEX
CONCURRENTLY IF EXISTS`` before the build does when the migration is run again (the migration
did not complete, so the name can only be that leftover). ``op.drop_index`` gets
``postgresql_concurrently=True`` in the same block. The twin in ``downgrade()`` (the drop of an
index the upgrade builds, the build of one it drops) is rewritten the same way.
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
    if found.has_star():
        return None
    if found.name == "create_index":
        name = _built_name(found, facts)
        return Rewrite([_concurrent_build(found, name)], (_twin(found, "drop_index", name),))
    if found.name == "drop_index":
        name = _dropped_name(found, facts)
        return Rewrite([_concurrent_drop(found)], (_twin(found, "create_index", name),))
    return None


def _concurrent_build(found: OpCall, name: f.Name | None) -> cst.BaseStatement:
    concurrently = with_keyword(found.call, "postgresql_concurrently", "True")
    build = replaced_call(found, concurrently, keep_leading=False)
    body: list[cst.BaseStatement] = [build]
    if name is not None:
        leftover = quoted(name.schema, name.name)
        body.insert(0, execute(found, f"DROP INDEX CONCURRENTLY IF EXISTS {leftover}"))
    return autocommit_block(found.op, body, leading=found.statement)


def _concurrent_drop(found: OpCall) -> cst.BaseStatement:
    concurrently = with_keyword(found.call, "postgresql_concurrently", "True")
    drop = replaced_call(found, concurrently, keep_leading=False)
    return autocommit_block(found.op, [drop], leading=found.statement)


def _twin(fixed: OpCall, twin: str, name: f.Name | None) -> Counterpart:
    """The downgrade() statement undoing ``fixed``: the same index name, the opposite op."""
    wanted = fixed.text(0, "index_name")

    def counterpart(found: OpCall) -> list[cst.BaseStatement] | None:
        if found.name != twin or wanted is None or found.text(0, "index_name") != wanted:
            return None
        if _concurrent(found):
            return None
        if twin == "create_index":
            return [_concurrent_build(found, name)]
        return [_concurrent_drop(found)]

    return counterpart


def _concurrent(found: OpCall) -> bool:
    value = found.argument(None, "postgresql_concurrently")
    return isinstance(value, cst.Name) and value.value == "True"


def _built_name(found: OpCall, facts: Sequence[f.Fact]) -> f.Name | None:
    for fact in facts:
        if isinstance(fact, f.CreateIndex) and fact.name:
            return f.Name(fact.name, fact.table.schema)
    return None


def _dropped_name(found: OpCall, facts: Sequence[f.Fact]) -> f.Name | None:
    for fact in facts:
        if isinstance(fact, f.DropIndex):
            return fact.index
    return None


RECIPE = Recipe(
    rules=("index-not-concurrent", "drop-index-not-concurrent", "concurrently-in-transaction"),
    rewrite=rewrite,
    doc=__doc__ or "",
)
