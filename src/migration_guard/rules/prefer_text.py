"""Rule ``prefer-text``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.column_types import full_type, typed_columns

_VARCHARS = frozenset({"varchar", "character varying"})


class PreferText(Rule):
    """A ``varchar(n)`` column (opt-in).

    What it flags
    -------------
    ``varchar(n)`` / ``character varying(n)`` columns. Opt-in: ``enable = ["prefer-text"]``.

    Why it hurts
    ------------
    In PostgreSQL the length limit buys no speed or space over ``text``; it only fails
    inserts, and shortening it later rewrites and rescans the table. A CHECK on
    ``length(col)`` can be added NOT VALID and changed without a rewrite.

    Do this instead
    ---------------
    Use ``sa.Text`` (with a check constraint if the limit matters)::

        op.add_column("users", sa.Column("nickname", sa.Text()))
    """

    id = "prefer-text"
    severity = "warning"
    summary = "varchar(n) column where text (plus a CHECK) is easier to change"
    help = "Use sa.Text, with a CHECK (length(col) <= n) constraint if you need a limit."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, table, column in typed_columns(migration):
            if column.base_type in _VARCHARS and "(" in column.type:
                yield Violation(
                    statement,
                    f"`{table}.{column.name}` is `{full_type(column)}`: a length limit is cheaper to change as a CHECK on `text`.",
                )
