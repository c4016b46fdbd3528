"""Rule ``whole-table-copy``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.sql import facts as f


class WholeTableCopy(Rule):
    """A copy of an existing table's rows inside the migration's transaction.

    What it flags
    -------------
    ``INSERT INTO t … SELECT … FROM s`` (``s`` also in a ``JOIN``, a subquery or a CTE) and
    ``CREATE TABLE t AS SELECT … FROM s``, where ``s`` is a table this migration did not
    create, inside the migration's transaction (not after a ``COMMIT`` that ended it).
    ``INSERT … VALUES``, a ``SELECT`` of constants or of tables this migration created, and
    ``CREATE TABLE … AS … WITH NO DATA`` are not flagged.

    Why it hurts
    ------------
    The copy runs as long as ``s`` is big, in one transaction: every lock the migration took
    before it (an ``ALTER TABLE``'s ACCESS EXCLUSIVE, the new table's) is held for the whole
    copy, rows changed in ``s`` meanwhile are missed, and vacuum cannot clean up behind the
    long transaction. The table-rebuild pattern (create, copy, drop, rename) on a big table
    is an outage.

    Do this instead
    ---------------
    Copy in batches of keys outside the migration's transaction (or in a job), and switch
    over in a later revision::

        with op.get_context().autocommit_block():
            for start in range(0, last_id, 10_000):
                op.execute(
                    "INSERT INTO orders_new (id, total) SELECT id, total FROM orders "
                    f"WHERE id >= {start} AND id < {start + 10_000}"
                )
    """

    id = "whole-table-copy"
    severity = "warning"
    summary = "INSERT … SELECT / CREATE TABLE … AS copying an existing table, in the transaction"
    help = "Copy in batches of keys outside the transaction (autocommit_block), or in a job."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        copies: list[tuple[StatementFacts, str, f.Name, tuple[f.Name, ...]]] = [
            (statement, "INSERT … SELECT", fact.table, fact.sources)
            for statement, fact in migration.each(f.Insert)
        ]
        copies += [
            (statement, "CREATE TABLE … AS", fact.table, fact.copied_from)
            for statement, fact in migration.each(f.CreateTable)
        ]
        for statement, verb, table, sources in sorted(copies, key=lambda copy: copy[0].index):
            if statement.in_transaction is False:
                continue
            existing = [
                source for source in sources if not migration.is_new_table(source, statement.index)
            ]
            if not existing:
                continue
            named = ", ".join(f"`{source}`" for source in existing)
            yield Violation(
                statement,
                f"{verb} copies rows of {named} (not created by this migration) into "
                f"`{table}` inside the migration's transaction: it runs as long as the "
                "source is big, holding the migration's locks meanwhile.",
            )
