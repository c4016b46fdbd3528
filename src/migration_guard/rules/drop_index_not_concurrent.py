"""Rule ``drop-index-not-concurrent``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation
from migration_guard.rules.revision_calls import calls_on_line, literal_argument, literal_string
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
        created: dict[str, list[f.Name]] = {}  # index name -> the indexes of that name
        for statement in migration.statements:
            for fact in statement.facts:
                if isinstance(fact, f.CreateIndex) and fact.name is not None:
                    index = f.Name(fact.name, fact.table.schema)
                    created.setdefault(fact.name, []).append(index)
                elif isinstance(fact, f.DropIndex) and not fact.concurrently:
                    if any(index.same_as(fact.index) for index in created.get(fact.index.name, ())):
                        continue
                    table = _table_of(migration, statement, fact.index)
                    if table is None:
                        if any(_named_after(fact.index, dropped) for dropped in dropped_tables):
                            continue
                    elif migration.is_new_table(table, statement.index) or any(
                        table.same_as(dropped) for dropped in dropped_tables
                    ):
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
    if words[0] in _PREFIXES and words[1 : 1 + size] == wanted:
        return True
    return words[:size] == wanted and len(words) > size and words[-1] in _SUFFIXES


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
