"""Rule ``char-field``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.rules.column_types import full_type, typed_columns

_CHARS = frozenset({"char", "character", "bpchar"})


class CharField(Rule):
    """A ``char(n)`` column (opt-in).

    What it flags
    -------------
    ``char(n)`` / ``character(n)`` / ``bpchar`` columns (not ``character varying``). Opt-in:
    ``enable = ["char-field"]``.

    Why it hurts
    ------------
    ``char(n)`` pads every value with spaces to ``n``: it uses more space than ``text``,
    comparisons and ``LIKE`` surprise (trailing spaces are ignored in some operations and
    not others), and it is no faster.

    Do this instead
    ---------------
    Use ``sa.Text``::

        op.add_column("countries", sa.Column("code", sa.Text()))
    """

    id = "char-field"
    severity = "warning"
    summary = "char(n) column (blank-padded) where text is meant"
    help = "Use sa.Text (with a CHECK on length if needed)."
    default_on = False

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        for statement, table, column in typed_columns(migration):
            if column.base_type in _CHARS:
                yield Violation(
                    statement,
                    f"`{table}.{column.name}` is `{full_type(column)}`: it is blank-padded; use `text`.",
                )
