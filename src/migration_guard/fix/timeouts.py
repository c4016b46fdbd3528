"""Set ``lock_timeout`` / ``statement_timeout`` before the first statement that needs it.

Fixes ``require-lock-timeout`` and ``require-statement-timeout`` (opt-in rules) by putting the
setting right before the flagged statement, the first one of ``upgrade()`` that locks (or works
slowly on) an existing table with no timeout set: the statements before it needed none, so this
is the top of ``upgrade()`` for every statement that counts. The values are the config's
``lock_timeout`` (default ``"10s"``) and ``statement_timeout`` (default ``"1h"``), the defaults
strong_migrations uses.

Before::

    op.add_column("users", sa.Column("nickname", sa.Text()))

After::

    op.execute("SET lock_timeout = '10s'")
    op.add_column("users", sa.Column("nickname", sa.Text()))

A session ``SET`` lasts for the rest of the connection, autocommit blocks included, so a lock
that cannot be had in time makes the migration fail fast instead of queueing every query on the
table behind it; run it again when traffic allows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from migration_guard.fix.calls import OpCall, execute
from migration_guard.fix.recipe import FixSettings, Recipe, Rewrite
from migration_guard.sql import facts as f


def _setting(
    parameter: str,
) -> Callable[[OpCall, Sequence[f.Fact], FixSettings], Rewrite | None]:
    def rewrite(found: OpCall, facts: Sequence[f.Fact], settings: FixSettings) -> Rewrite | None:
        value = getattr(settings, parameter)
        literal = "'" + value.replace("'", "''") + "'"
        kept = found.statement.with_changes(leading_lines=())
        setting = execute(found, f"SET {parameter} = {literal}")
        return Rewrite([setting.with_changes(leading_lines=found.statement.leading_lines), kept])

    return rewrite


LOCK_RECIPE = Recipe(
    rules=("require-lock-timeout",), rewrite=_setting("lock_timeout"), doc=__doc__ or ""
)
STATEMENT_RECIPE = Recipe(
    rules=("require-statement-timeout",), rewrite=_setting("statement_timeout"), doc=__doc__ or ""
)
