"""Documentation of the findings ``trace`` produces from what PostgreSQL actually did."""

from __future__ import annotations

from migration_guard.rules.base import Rule


class UpgradeFailed(Rule):
    """A revision's ``upgrade()`` raised when it ran on a throwaway database.

    What it flags
    -------------
    ``migration-guard trace`` brought a throwaway database to the revision's parent (with
    ``--seed``, with rows in its tables) and ran the upgrade: it raised. The finding gives
    PostgreSQL's error and the line of the ``op.`` call that ran the failing statement.

    Why it hurts
    ------------
    The same upgrade fails in deployment, usually half-way through a release.

    Do this instead
    ---------------
    Fix the statement; for a NOT NULL column on a table with rows, add it with a default::

        op.add_column("orders", sa.Column("status", sa.Text(), nullable=False, server_default="new"))
    """

    id = "upgrade-failed"
    severity = "error"
    summary = "upgrade raised on a throwaway database (trace)"
    help = "Fix the failing statement; trace runs it on a database like the one it will meet."
    produced_elsewhere = True


class DowngradeFailed(Rule):
    """A revision's ``downgrade()`` raised right after its upgrade.

    What it flags
    -------------
    ``trace`` upgraded the revision, then ran its downgrade: it raised (the finding gives the
    error and the line).

    Why it hurts
    ------------
    A rollback is what you reach for when a release goes wrong; that is the worst moment to
    find out it does not work.

    Do this instead
    ---------------
    Undo exactly what ``upgrade()`` did, in reverse order::

        def downgrade():
            op.drop_index("ix_orders_status", table_name="orders")
            op.drop_column("orders", "status")
    """

    id = "downgrade-failed"
    severity = "error"
    summary = "downgrade raised right after the upgrade (trace)"
    help = "Make downgrade() undo upgrade() in reverse order."
    produced_elsewhere = True


class DowngradeNotReversible(Rule):
    """The schema after upgrade + downgrade differs from the schema before the upgrade.

    What it flags
    -------------
    ``trace`` dumps a normalised catalogue (tables, columns with types, defaults and
    nullability, indexes, constraints, enums, sequences; not column order) before the
    upgrade and after the downgrade; any difference is flagged, naming the first few. A
    revision whose downgrade is intentionally absent says so with
    ``# migration-guard: ignore[downgrade-not-reversible] reason`` at the top of the file, on
    the ``def downgrade`` line or the line above it, or inside ``downgrade()``.

    Why it hurts
    ------------
    A rollback that leaves a column or an index behind makes the next upgrade fail or the
    database drift from what the history says.

    Do this instead
    ---------------
    Drop in ``downgrade()`` everything ``upgrade()`` created::

        def downgrade():
            op.drop_column("orders", "status")
    """

    id = "downgrade-not-reversible"
    severity = "error"
    summary = "downgrade does not restore the schema the upgrade started from (trace)"
    help = "Undo in downgrade() everything upgrade() created or changed."
    produced_elsewhere = True


class TableRewrite(Rule):
    """A statement rewrote an existing table (its ``relfilenode`` changed).

    What it flags
    -------------
    Observed, not guessed: ``trace`` compares ``pg_class.relfilenode`` of every table that
    existed before the migration before and after each statement. A new relfilenode means
    PostgreSQL copied the whole table (and rebuilt its indexes), under an
    AccessExclusiveLock: ``INTEGER`` to ``BIGINT``, a volatile default, ``SET DATA TYPE``
    with ``USING``. ``VARCHAR`` to ``TEXT`` or a constant default are not flagged because
    they are not rewrites. Where both apply it replaces the static guesses of
    ``column-type-change`` and ``volatile-default``.

    Why it hurts
    ------------
    No reads or writes on the table until the copy is done: minutes on a large table.

    Do this instead
    ---------------
    Add a new column, backfill it in batches, switch the code, drop the old column::

        op.add_column("orders", sa.Column("total_big", sa.BigInteger()))
    """

    id = "table-rewrite"
    severity = "warning"
    summary = "table rewritten under an AccessExclusiveLock (trace)"
    help = "Add a new column and backfill it in batches instead of rewriting the table."
    produced_elsewhere = True


class AccessExclusiveLockHeld(Rule):
    """An AccessExclusiveLock on an existing relation is held while other statements run.

    What it flags
    -------------
    Observed in ``pg_locks``: a statement takes an AccessExclusiveLock on a table (or
    index) that existed before the migration, and later statements of other ``op.`` calls
    run in the same transaction while it is still held.

    Why it hurts
    ------------
    Every query on that table waits until the transaction commits, so the time of every
    later statement (a backfill, an index build) is added to the outage.

    Do this instead
    ---------------
    Put the locking operation in its own revision (or commit first) and keep it short::

        with op.get_context().autocommit_block():
            op.execute("ALTER TABLE orders ALTER COLUMN note TYPE text")
    """

    id = "access-exclusive-lock"
    severity = "warning"
    summary = "AccessExclusiveLock held across other statements (trace)"
    help = "Move the locking statement into its own short transaction or revision."
    produced_elsewhere = True


TRACE_RULES: tuple[Rule, ...] = (
    UpgradeFailed(),
    DowngradeFailed(),
    DowngradeNotReversible(),
    TableRewrite(),
    AccessExclusiveLockHeld(),
)
TRACE_RULE_IDS = frozenset(rule.id for rule in TRACE_RULES)
