"""Rule ``audit-log-delete``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


def is_protected(table: f.Name, protected: tuple[str, ...]) -> bool:
    """``table`` matches an entry of ``protected_tables`` (``name`` or ``schema.name``).

    Entries compare like PostgreSQL resolves names: ``audit_log`` matches ``audit_log``,
    ``AUDIT_LOG``, ``"audit_log"`` and ``public.audit_log``, but not ``"Audit_Log"``,
    which is a different table.
    """
    for entry in protected:
        schema, _, name = entry.rpartition(".")
        if table.name == name and (not schema or table.schema in (None, schema)):
            return True
    return False


class AuditLogDelete(Rule):
    """DELETE or TRUNCATE on a protected table (``protected_tables``, default ``audit_log``).

    What it flags
    -------------
    Any ``DELETE FROM`` or ``TRUNCATE`` whose target is a protected table, however the name is
    quoted or schema-qualified, including a ``DELETE`` inside a ``WITH`` clause, a
    ``DELETE … USING`` and one inside a ``DO`` block (which runs during the migration).
    Not flagged: a string literal or comment that merely mentions the table, a table that
    only appears in ``USING``, and the body of ``CREATE FUNCTION``/``TRIGGER``/``RULE``,
    which does not run when the migration does. Dynamic SQL (``EXECUTE 'DELETE …'``) is
    not seen.

    Why it hurts
    ------------
    A protected table is one whose rows the project keeps for good (an audit log, a
    ledger): rows deleted by a migration are history lost on every database it runs on.
    Where a trigger guards the table, the migration fails half-way instead.

    Do this instead
    ---------------
    Leave its rows alone. If rows must move, copy them and keep the originals, or ask the
    table's owner for a sanctioned procedure::

        op.execute("INSERT INTO audit_log_archive SELECT * FROM audit_log WHERE ...")
    """

    id = "audit-log-delete"
    severity = "error"
    summary = "DELETE or TRUNCATE on a protected (append-only) table"
    help = "Leave its rows alone; if rows must move, copy them elsewhere and keep the originals."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        protected = migration.settings.protected_tables
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, (f.Delete, f.Truncate)) and is_protected(fact.table, protected):
                    verb = "DELETE" if isinstance(fact, f.Delete) else "TRUNCATE"
                    yield Violation(
                        statement,
                        f"{verb} on protected table `{fact.table}` (listed in "
                        "protected_tables): its rows are meant to be kept.",
                    )
