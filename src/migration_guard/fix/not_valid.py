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
gets (read from the rendered SQL, so a naming convention is honoured); an unnamed constraint has
no name to validate and is left for a human.
"""

from __future__ import annotations

from collections.abc import Sequence

from migration_guard.fix.calls import (
    OpCall,
    autocommit_block,
    execute,
    quoted,
    replaced_call,
    with_keyword,
)
from migration_guard.fix.recipe import FixSettings, Recipe, Rewrite
from migration_guard.sql import facts as f


def rewrite(found: OpCall, facts: Sequence[f.Fact], settings: FixSettings) -> Rewrite | None:
    if found.name not in ("create_foreign_key", "create_check_constraint") or found.has_star():
        return None
    added = next((fact for fact in facts if isinstance(fact, f.AddConstraint)), None)
    if added is None or not added.constraint.name:
        return None
    table = quoted(added.table.schema, added.table.name)
    constraint = quoted(added.constraint.name)
    not_valid = replaced_call(found, with_keyword(found.call, "postgresql_not_valid", "True"))
    validate = execute(found, f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}")
    return Rewrite([not_valid, autocommit_block(found.op, [validate])])


RECIPE = Recipe(rules=("constraint-without-not-valid",), rewrite=rewrite, doc=__doc__ or "")
