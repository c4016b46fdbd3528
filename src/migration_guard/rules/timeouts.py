"""The first statement that needs a timeout no earlier ``SET`` provides."""

from __future__ import annotations

from migration_guard.rules.base import MigrationFacts, StatementFacts
from migration_guard.rules.locks import is_slow, table_locks
from migration_guard.sql import facts as f


def first_unguarded(
    migration: MigrationFacts, parameter: str, *, slow_only: bool
) -> tuple[StatementFacts, f.Name] | None:
    """The first statement locking (``slow_only``: slowly working on) an existing table
    while ``parameter`` is unset: a session ``SET`` lasts, a ``SET LOCAL`` until COMMIT."""
    session_set = local_set = False
    for statement in migration.statements:
        for fact in statement.facts:
            if isinstance(fact, f.Transaction):
                local_set = False
            elif isinstance(fact, f.SetParameter) and fact.name == parameter:
                if fact.local:
                    local_set = True
                else:
                    session_set = True
            elif session_set or local_set or (slow_only and not is_slow(fact)):
                continue
            else:
                for table, _mode in _tables(fact, data=slow_only):
                    if not migration.is_new_table(table, statement.index + 1):
                        return statement, table
    return None


def _tables(fact: f.Fact, *, data: bool) -> list[tuple[f.Name, str]]:
    """The tables ``fact`` locks; with ``data``, the ones it writes rows of too."""
    if data and isinstance(fact, (f.Update, f.Delete, f.Insert)):
        return [(fact.table, "ROW EXCLUSIVE")]
    return table_locks(fact)
