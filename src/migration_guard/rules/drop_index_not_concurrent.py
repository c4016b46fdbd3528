"""Rule ``drop-index-not-concurrent``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.readers.revision_calls import calls_on_line, literal_argument, literal_string
from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.rules.locks import ACCESS_EXCLUSIVE, table_locks
from migration_guard.sql import facts as f


class DropIndexNotConcurrent(Rule):
    """An existing index dropped without CONCURRENTLY.

    What it flags
    -------------
    ``DROP INDEX`` without ``CONCURRENTLY`` of an index on an existing table. Not flagged:
    an index this migration created, an index whose table this migration creates, and an
    index whose table the same migration drops (before or after the ``DROP INDEX``: the
    ``DROP TABLE`` takes the same lock anyway). The index's table is known from a
    ``CREATE INDEX`` (or ``op.create_index``) earlier in the migration or the history, or
    from ``table_name=`` (and ``schema=``) of the ``op.drop_index`` call; failing those, an
    index named after a dropped table in the usual way (``ix_docs_title``,
    ``docs_title_idx``) counts as its. Names match as PostgreSQL resolves them:
    ``"public"."docs"`` is ``public.docs``, ``"Docs"`` is not ``docs``.

    Not flagged either, because the drop adds no wait of its own: an index whose table an
    earlier statement of the same transaction already locked ACCESS EXCLUSIVE (an
    ``ALTER TABLE`` after the ``BEGIN``, no ``COMMIT`` since), and an index on a column the
    same migration drops (the index goes with the column, whose ``DROP COLUMN`` takes the
    same lock and is reported by ``drop-column``). The index's columns are known from its
    ``CREATE INDEX``; failing that, an index named after the table and the dropped column
    (``ix_orders_code``, ``orders_code_idx``, ``ix_uq_orders_code``) counts as the
    column's, and an index named after a table already locked counts as that table's.

    Why it hurts
    ------------
    A plain ``DROP INDEX`` takes an ACCESS EXCLUSIVE lock on the index's table. The drop
    itself is quick, but the lock waits behind every running query on the table and, while
    it waits, blocks every new read and write behind it.

    Do this instead
    ---------------
    Drop it concurrently, outside the migration's transaction::

        with op.get_context().autocommit_block():
            op.drop_index("ix_orders_legacy", table_name="orders",
                          postgresql_concurrently=True)
    """

    id = "drop-index-not-concurrent"
    severity = "warning"
    summary = "existing index dropped without CONCURRENTLY"
    help = (
        "Use op.drop_index(..., postgresql_concurrently=True) inside "
        "op.get_context().autocommit_block()."
    )

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        dropped_tables = [fact.table for _, fact in migration.each(f.DropTable)]
        dropped_columns = [(fact.table, fact.column) for _, fact in migration.each(f.DropColumn)]
        locked: list[f.Name] = []  # tables the open transaction holds ACCESS EXCLUSIVE on
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.Transaction) or statement.in_transaction is not True:
                    locked = []
                elif not isinstance(fact, f.DropIndex):
                    locked.extend(
                        table for table, mode in table_locks(fact) if mode == ACCESS_EXCLUSIVE
                    )
                if isinstance(fact, f.DropIndex) and not fact.concurrently:
                    if migration.is_new_index(fact.index, statement.index):
                        continue
                    table = _table_of(migration, statement, fact.index)
                    if table is None:
                        if any(
                            _named_after(fact.index, known) for known in dropped_tables + locked
                        ):
                            continue
                    elif migration.is_new_table(table, statement.index) or any(
                        table.same_as(dropped) for dropped in dropped_tables + locked
                    ):
                        continue
                    if _on_dropped_column(migration, fact.index, table, dropped_columns):
                        continue
                    yield Violation(
                        statement,
                        f"Index `{fact.index}` is dropped without CONCURRENTLY; the lock on its "
                        "table blocks reads and writes while it waits.",
                    )


_PREFIXES = frozenset({"ix", "idx", "uq", "ux", "ik", "index"})  # SQLAlchemy conventions
_SUFFIXES = frozenset({"idx", "key", "pkey", "excl", "index"})  # PostgreSQL's own names


def _named_after(index: f.Name, table: f.Name) -> bool:
    """True when the index's name is the usual one for an index of ``table``:
    ``ix_docs_title`` (SQLAlchemy) or ``docs_title_idx`` (PostgreSQL), same schema if known."""
    if index.schema and table.schema and index.schema != table.schema:
        return False
    words = index.name.split("_")
    wanted = table.name.split("_")
    size = len(wanted)
    prefixes = _prefix_words(words)
    if prefixes and words[prefixes : prefixes + size] == wanted:
        return True
    return words[:size] == wanted and len(words) > size and words[-1] in _SUFFIXES


def _prefix_words(words: list[str]) -> int:
    """How many leading words are SQLAlchemy prefixes: 1 for ``ix_docs_title``, 2 for
    ``ix_uq_docs_title`` (a unique index named ``uq_…`` under the ``ix_`` convention)."""
    count = 0
    while count < min(2, len(words) - 1) and words[count] in _PREFIXES:
        count += 1
    return count


def _on_dropped_column(
    migration: MigrationFacts,
    index: f.Name,
    table: f.Name | None,
    dropped_columns: list[tuple[f.Name, str]],
) -> bool:
    """True when ``index`` is on a column this migration drops (its table unknown: the
    dropped column's table, as the index's name says)."""
    columns = migration.history.index_columns(index)
    for dropped_table, column in dropped_columns:
        if table is not None and not table.same_as(dropped_table):
            continue
        if columns:
            if column in columns:
                return True
        elif _named_for_column(index, dropped_table, column):
            return True
    return False


def _named_for_column(index: f.Name, table: f.Name, column: str) -> bool:
    """True when the index's name is exactly the usual one for an index of ``table.column``
    (``ix_orders_code``, ``orders_code_idx``, ``orders_code_key``), same schema if known."""
    if index.schema and table.schema and index.schema != table.schema:
        return False
    stem = f"{table.name}_{column}"
    names = {f"{prefix}_{stem}" for prefix in _PREFIXES} | {f"{stem}_{s}" for s in _SUFFIXES}
    words = index.name.split("_")
    return index.name in names or "_".join(words[_prefix_words(words) :]) == stem


def _table_of(migration: MigrationFacts, statement: StatementFacts, index: f.Name) -> f.Name | None:
    known = migration.history.index_table(index)
    if known is not None or migration.source_text is None or statement.line is None:
        return known
    for call in calls_on_line(migration.source_text, statement.line, "drop_index"):
        name = literal_string(call.args[0]) if call.args else None
        for keyword in call.keywords:
            if keyword.arg == "index_name":
                name = literal_string(keyword.value)
        if name != index.name:
            continue
        table = literal_argument(call, 1, "table_name")
        schema = literal_argument(call, 2, "schema")
        if isinstance(table, str):
            return f.Name(table, schema if isinstance(schema, str) else index.schema)
    return None
