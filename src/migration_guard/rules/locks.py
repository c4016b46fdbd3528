"""Which table a fact locks, and how strongly: shared by the lock and timeout rules."""

from __future__ import annotations

from migration_guard.sql import facts as f

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"

_ACCESS_EXCLUSIVE_ACTIONS = (
    f.AddColumn,
    f.DropColumn,
    f.RenameColumn,
    f.AlterColumnType,
    f.SetNotNull,
    f.DropNotNull,
    f.SetDefault,
    f.DropConstraint,
    f.RenameConstraint,
    f.RenameTable,
    f.OtherAlterTable,
    f.DropTable,
    f.Truncate,
)


def table_locks(fact: f.Fact) -> list[tuple[f.Name, str]]:
    """(table, lock mode) pairs ``fact`` takes on tables; empty for facts that lock none."""
    if isinstance(fact, _ACCESS_EXCLUSIVE_ACTIONS):
        return [(fact.table, ACCESS_EXCLUSIVE)]
    if isinstance(fact, f.AddConstraint):
        kind = fact.constraint.kind
        # A foreign key takes SHARE ROW EXCLUSIVE (on both tables); the others ACCESS EXCLUSIVE.
        mode = "SHARE ROW EXCLUSIVE" if kind == "foreign-key" else ACCESS_EXCLUSIVE
        return [(fact.table, mode)]
    if isinstance(fact, f.ValidateConstraint):
        return [(fact.table, "SHARE UPDATE EXCLUSIVE")]
    if isinstance(fact, f.CreateIndex):
        return [(fact.table, "SHARE UPDATE EXCLUSIVE" if fact.concurrently else "SHARE")]
    if isinstance(fact, f.LockTable):
        return [(table, fact.mode) for table in fact.tables]
    if isinstance(fact, f.DetachPartition):
        return [(fact.table, "SHARE UPDATE EXCLUSIVE" if fact.concurrently else ACCESS_EXCLUSIVE)]
    if isinstance(fact, f.RewritingMaintenance):
        return [(table, ACCESS_EXCLUSIVE) for table in fact.tables]
    if isinstance(fact, f.Reindex) and fact.target == "table" and fact.name is not None:
        return [(fact.name, "SHARE UPDATE EXCLUSIVE" if fact.concurrently else "SHARE")]
    return []


def is_slow(fact: f.Fact) -> bool:
    """True for work that scans, rewrites or writes a table and so may take long."""
    if isinstance(fact, (f.Update, f.Delete, f.Insert, f.AlterColumnType, f.SetNotNull)):
        return True
    if isinstance(fact, (f.ValidateConstraint, f.RewritingMaintenance, f.Reindex)):
        return True
    if isinstance(fact, f.CreateIndex):
        return not fact.concurrently
    if isinstance(fact, f.AddConstraint):
        constraint = fact.constraint
        return not constraint.not_valid and constraint.using_index is None
    return False
