"""add soft delete to documents

Revision ID: 0b6d93e2a7c4
Revises: c7f4a0e81b59
Create Date: 2025-10-08 11:05:42.660141

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = "0b6d93e2a7c4"
down_revision: Union[str, Sequence[str], None] = "c7f4a0e81b59"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column(
        "documents",
        sa.Column("is_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "documents", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("documents", "deleted_at")
    op.drop_column("documents", "is_deleted")
