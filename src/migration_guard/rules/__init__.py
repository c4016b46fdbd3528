"""The rule registry: every rule id, in the order ``migration-guard rules`` lists them."""

from __future__ import annotations

import inspect

from migration_guard.rules.access_exclusive_lock import AccessExclusiveLockHeld
from migration_guard.rules.audit_log_delete import AuditLogDelete
from migration_guard.rules.auto_increment_column import AutoIncrementColumn
from migration_guard.rules.base import Rule
from migration_guard.rules.char_field import CharField
from migration_guard.rules.column_type_change import ColumnTypeChange
from migration_guard.rules.commit_in_migration import CommitInMigration
from migration_guard.rules.concurrently_in_transaction import ConcurrentlyInTransaction
from migration_guard.rules.constraint_without_not_valid import ConstraintWithoutNotValid
from migration_guard.rules.default_rewrite_before_pg11 import DefaultRewriteBeforePg11
from migration_guard.rules.detach_partition_not_concurrent import DetachPartitionNotConcurrent
from migration_guard.rules.domain_check_constraint import DomainCheckConstraint
from migration_guard.rules.downgrade_failed import DowngradeFailed
from migration_guard.rules.downgrade_not_reversible import DowngradeNotReversible
from migration_guard.rules.drop_column import DropColumn
from migration_guard.rules.drop_constraint import DropConstraint
from migration_guard.rules.drop_database import DropDatabase
from migration_guard.rules.drop_default import DropDefault
from migration_guard.rules.drop_index_not_concurrent import DropIndexNotConcurrent
from migration_guard.rules.drop_not_null import DropNotNull
from migration_guard.rules.drop_table import DropTable
from migration_guard.rules.duplicate_column_assignment import DuplicateColumnAssignment
from migration_guard.rules.enum_recreated import EnumRecreated
from migration_guard.rules.enum_value_in_transaction_before_pg12 import (
    EnumValueInTransactionBeforePg12,
)
from migration_guard.rules.enum_value_used_in_same_transaction import EnumValueUsedInSameTransaction
from migration_guard.rules.exclusion_constraint import ExclusionConstraint
from migration_guard.rules.foreign_key_without_index import ForeignKeyWithoutIndex
from migration_guard.rules.identifier_too_long import IdentifierTooLong
from migration_guard.rules.index_not_concurrent import IndexNotConcurrent
from migration_guard.rules.lock_table import LockTable
from migration_guard.rules.not_null_without_default import NotNullWithoutDefault
from migration_guard.rules.not_postgresql import NotPostgresql
from migration_guard.rules.prefer_bigint import PreferBigint
from migration_guard.rules.prefer_identity import PreferIdentity
from migration_guard.rules.prefer_jsonb import PreferJsonb
from migration_guard.rules.prefer_robust_stmts import PreferRobustStmts
from migration_guard.rules.prefer_text import PreferText
from migration_guard.rules.prefer_timestamptz import PreferTimestamptz
from migration_guard.rules.primary_key_without_index import PrimaryKeyWithoutIndex
from migration_guard.rules.produced_elsewhere import (
    RenderFailed,
    SuppressionWithoutReason,
    UnusedSuppression,
)
from migration_guard.rules.python_data_migration import PythonDataMigration
from migration_guard.rules.reindex_not_concurrent import ReindexNotConcurrent
from migration_guard.rules.rename_column import RenameColumn
from migration_guard.rules.rename_table import RenameTable
from migration_guard.rules.require_lock_timeout import RequireLockTimeout
from migration_guard.rules.require_statement_timeout import RequireStatementTimeout
from migration_guard.rules.search_vector_type import SearchVectorType
from migration_guard.rules.set_not_null import SetNotNull
from migration_guard.rules.soft_delete_pair import SoftDeletePair
from migration_guard.rules.statements_after_access_exclusive import StatementsAfterAccessExclusive
from migration_guard.rules.stored_generated_column import StoredGeneratedColumn
from migration_guard.rules.table_rewrite import TableRewrite
from migration_guard.rules.transaction_nesting import TransactionNesting
from migration_guard.rules.truncate_cascade import TruncateCascade
from migration_guard.rules.unbounded_update import UnboundedUpdate
from migration_guard.rules.uncommitted_transaction import UncommittedTransaction
from migration_guard.rules.unique_without_index import UniqueWithoutIndex
from migration_guard.rules.upgrade_failed import UpgradeFailed
from migration_guard.rules.vacuum_full_or_cluster import VacuumFullOrCluster
from migration_guard.rules.validate_same_transaction import ValidateSameTransaction
from migration_guard.rules.volatile_default import VolatileDefault
from migration_guard.rules.whole_table_copy import WholeTableCopy
from migration_guard.rules.whole_table_update import WholeTableUpdate

ALL_RULES: tuple[Rule, ...] = (
    # The seed's five.
    NotNullWithoutDefault(),
    EnumRecreated(),
    AuditLogDelete(),
    SoftDeletePair(),
    SearchVectorType(),
    # Locks and compatibility.
    IndexNotConcurrent(),
    ConcurrentlyInTransaction(),
    ConstraintWithoutNotValid(),
    ValidateSameTransaction(),
    UniqueWithoutIndex(),
    PrimaryKeyWithoutIndex(),
    SetNotNull(),
    ColumnTypeChange(),
    VolatileDefault(),
    RenameColumn(),
    RenameTable(),
    DropColumn(),
    DropTable(),
    DropIndexNotConcurrent(),
    # Added in issue 11: more locks, transactions and safety; type advice (opt-in).
    RequireLockTimeout(),
    RequireStatementTimeout(),
    ReindexNotConcurrent(),
    IdentifierTooLong(),
    TruncateCascade(),
    LockTable(),
    EnumValueUsedInSameTransaction(),
    ForeignKeyWithoutIndex(),
    WholeTableUpdate(),
    StatementsAfterAccessExclusive(),
    DetachPartitionNotConcurrent(),
    VacuumFullOrCluster(),
    DomainCheckConstraint(),
    TransactionNesting(),
    UncommittedTransaction(),
    CommitInMigration(),
    DropNotNull(),
    DropDefault(),
    DropConstraint(),
    DuplicateColumnAssignment(),
    DropDatabase(),
    AutoIncrementColumn(),
    StoredGeneratedColumn(),
    ExclusionConstraint(),
    DefaultRewriteBeforePg11(),
    EnumValueInTransactionBeforePg12(),
    PreferBigint(),
    PreferIdentity(),
    PreferText(),
    PreferTimestamptz(),
    CharField(),
    PreferJsonb(),
    PreferRobustStmts(),
    # Added in issue 20: data changes that hold the migration's transaction.
    WholeTableCopy(),
    UnboundedUpdate(),
    PythonDataMigration(),
    NotPostgresql(),
    # Produced outside the rule engine; listed for `rules` and configuration.
    RenderFailed(),
    SuppressionWithoutReason(),
    UnusedSuppression(),
    # Judged by `trace` from what PostgreSQL did (silent in lint, which runs nothing).
    UpgradeFailed(),
    DowngradeFailed(),
    DowngradeNotReversible(),
    TableRewrite(),
    AccessExclusiveLockHeld(),
)

RULE_IDS: frozenset[str] = frozenset(rule.id for rule in ALL_RULES)
TRACE_RULE_IDS: frozenset[str] = frozenset(rule.id for rule in ALL_RULES if rule.traced)
_BY_ID = {rule.id: rule for rule in ALL_RULES}


def get_rule(rule_id: str) -> Rule | None:
    """The rule with ``rule_id``, or None."""
    return _BY_ID.get(rule_id)


def documentation(rule: Rule) -> str:
    """The rule's user documentation (its class docstring, dedented)."""
    return inspect.cleandoc(type(rule).__doc__ or "")


__all__ = ["ALL_RULES", "RULE_IDS", "Rule", "documentation", "get_rule"]
