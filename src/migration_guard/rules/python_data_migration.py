"""Rule ``python-data-migration``."""

from __future__ import annotations

from collections.abc import Iterator

from migration_guard.readers.python_data import PythonDataUse, python_data_uses
from migration_guard.rules.base import MigrationFacts, Rule, StatementFacts, Violation


class PythonDataMigration(Rule):
    """A data migration written in Python: ``upgrade()`` loops over rows or uses the ORM.

    What it flags
    -------------
    A revision whose ``upgrade()`` (or a function of the file it calls) uses the
    application's models (``from app.models import User``, or an imported class an ORM session
    queries), or loops in Python over rows read from the database that it changes (``for row
    in conn.execute(…)``, ``.fetchall()``, ``session.query(…).all()``, with an UPDATE, an
    attribute set or a ``session.add`` in the loop). The revision file is read with ``ast``,
    never imported. One finding per revision, at the first line of its data work (an ORM
    ``Session(bind=…)`` included), saying which of these it saw.

    Not flagged: a session over classes the revision declares itself (its own
    ``declarative_base()``) with no row loop, and a loop over rows that only reads them to
    decide what DDL to run (constraint names from ``pg_constraint``).

    Why it hurts
    ------------
    It works the day it is written. The application's models describe the schema at the
    head, not at this revision: when a later revision renames a column or a model moves,
    upgrading a fresh database (CI, a new developer, a restore) breaks on this old revision.
    And a row at a time in Python, inside the migration's transaction, runs one statement
    per row, unbatched, with every lock the migration took held until it ends.

    Do this instead
    ---------------
    Describe just the columns the migration needs with ``sa.table()`` / ``sa.column()`` and
    change the rows with set-based SQL, in batches for a big table::

        orders = sa.table("orders", sa.column("id", sa.BigInteger), sa.column("status", sa.Text))

        def upgrade():
            op.execute(orders.update().where(orders.c.status.is_(None)).values(status="new"))
    """

    id = "python-data-migration"
    severity = "warning"
    summary = "upgrade() changes data in Python (ORM session, app models, a loop over rows)"
    help = (
        "Use a self-contained sa.table()/sa.column() definition and set-based SQL, batched "
        "for a big table."
    )

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        if migration.source_text is None:
            return
        uses = python_data_uses(migration.source_text)
        if not any(use.kind in ("models", "row-loop") for use in uses):
            return  # a session over classes the revision defines itself, no row loop
        first = uses[0]
        lines = migration.source_text.splitlines()
        text = lines[first.line - 1].strip() if first.line <= len(lines) else ""
        statement = StatementFacts(-1, text, first.line, first.line, (), None)
        yield Violation(statement, _message(uses))


def _message(uses: tuple[PythonDataUse, ...]) -> str:
    kinds = {use.kind for use in uses}
    seen: list[str] = []
    if "session" in kinds:
        seen.append("uses an ORM session")
    if "models" in kinds:
        module = next(use.detail for use in uses if use.kind == "models")
        seen.append(f"uses the application's models (`{module}`)")
    if "row-loop" in kinds:
        seen.append("loops over rows in Python")
    said = ", ".join(seen[:-1]) + (" and " if len(seen) > 1 else "") + seen[-1]
    breaks = "works today but breaks when the models move on, and " if "models" in kinds else ""
    runs = "changes rows one at a time, unbatched," if "row-loop" in kinds else "runs unbatched"
    return f"upgrade() {said}: it {breaks}{runs} inside the migration's transaction."
