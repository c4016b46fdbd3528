"""add in_review document status

Revision ID: c7f4a0e81b59
Revises: 5d2e7b9c4a16
Create Date: 2025-10-01 14:20:03.219876

"""
from typing import Sequence, Union

from alembic import op


# revision identifiers, used by Alembic.
revision: str = "c7f4a0e81b59"
down_revision: Union[str, Sequence[str], None] = "5d2e7b9c4a16"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    # ALTER TYPE ... ADD VALUE keeps existing rows; a new value cannot be used in the
    # transaction that adds it, so it runs on its own.
    with op.get_context().autocommit_block():
        op.execute(
            "ALTER TYPE document_status ADD VALUE IF NOT EXISTS 'in_review' BEFORE 'published'"
        )


def downgrade() -> None:
    """Downgrade schema."""
    # PostgreSQL cannot drop a value from an enum type; recreating the type would have to
    # rewrite every row. Move rows back to draft and leave the unused value in place.
    op.execute("UPDATE documents SET status = 'draft' WHERE status = 'in_review'")
