"""add documents search vector

Revision ID: e2b86d14f07a
Revises: 0b6d93e2a7c4
Create Date: 2025-10-20 17:33:19.048327

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = "e2b86d14f07a"
down_revision: Union[str, Sequence[str], None] = "0b6d93e2a7c4"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("documents", sa.Column("search_vector", postgresql.TSVECTOR(), nullable=True))
    op.execute(
        """
        CREATE TRIGGER documents_search_vector_update
        BEFORE INSERT OR UPDATE OF title, body ON documents
        FOR EACH ROW EXECUTE FUNCTION
            tsvector_update_trigger(search_vector, 'pg_catalog.english', title, body)
        """
    )
    op.execute(
        """
        UPDATE documents
        SET search_vector = to_tsvector('pg_catalog.english', title || ' ' || body)
        WHERE search_vector IS NULL
        """
    )
    # Build the GIN index without locking writes on a live table.
    with op.get_context().autocommit_block():
        op.create_index(
            "ix_documents_search_vector",
            "documents",
            ["search_vector"],
            unique=False,
            postgresql_using="gin",
            postgresql_concurrently=True,
        )


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index(
            "ix_documents_search_vector",
            table_name="documents",
            postgresql_concurrently=True,
        )
    op.execute("DROP TRIGGER documents_search_vector_update ON documents")
    op.drop_column("documents", "search_vector")
