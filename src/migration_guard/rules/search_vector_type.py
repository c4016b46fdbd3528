"""Rule ``search-vector-type``."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

from migration_guard.rules.base import MigrationFacts, Rule, Violation
from migration_guard.sql import facts as f


class SearchVectorType(Rule):
    """A search vector column typed as text instead of TSVECTOR.

    What it flags
    -------------
    A column whose name matches ``search_vector_columns`` (globs; default
    ``search_vector``, ``*_tsv``, ``*_search_vector``) created, added or re-typed as
    ``TEXT``, ``VARCHAR``, ``CHAR`` or ``CITEXT``.

    Why it hurts
    ------------
    Full-text search matches ``tsvector`` values against a GIN index. On a text column every
    query has to call ``to_tsvector`` per row, the GIN index is not used, and searches get
    slower as the table grows.

    Do this instead
    ---------------
    Use ``TSVECTOR`` (``sqlalchemy.dialects.postgresql.TSVECTOR``)::

        op.add_column("documents", sa.Column("search_vector", postgresql.TSVECTOR()))
        op.create_index("ix_documents_search_vector", "documents", ["search_vector"],
                        postgresql_using="gin")
    """

    id = "search-vector-type"
    severity = "error"
    summary = "search vector column typed TEXT/VARCHAR instead of TSVECTOR"
    help = "Declare the column as TSVECTOR (postgresql.TSVECTOR) and index it with GIN."

    def check(self, migration: MigrationFacts) -> Iterator[Violation]:
        patterns = migration.settings.search_vector_columns
        for statement in migration.statements:
            for fact in statement.facts:
                columns: list[tuple[f.Name, str, str]] = []
                if isinstance(fact, f.CreateTable):
                    columns = [(fact.table, c.name, c.base_type) for c in fact.columns]
                elif isinstance(fact, f.AddColumn):
                    columns = [(fact.table, fact.column.name, fact.column.base_type)]
                elif isinstance(fact, f.AlterColumnType):
                    new_type = f.Column(fact.column, fact.type).base_type
                    columns = [(fact.table, fact.column, new_type)]
                for table, name, base_type in columns:
                    if base_type in f.TEXT_TYPES and any(
                        fnmatchcase(name, pattern) for pattern in patterns
                    ):
                        yield Violation(
                            statement,
                            f"Search vector column `{table}.{name}` is typed "
                            f"{base_type.upper()}, not TSVECTOR.",
                        )
