"""Documents: soft-deleted, never removed, and searchable through ``search_vector``."""

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, Enum, ForeignKey, Index, String, Text, false, func
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class DocumentStatus(str, enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


document_status = Enum(
    DocumentStatus,
    name="document_status",
    values_callable=lambda members: [member.value for member in members],
)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_search_vector", "search_vector", postgresql_using="gin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, server_default="")
    status: Mapped[DocumentStatus] = mapped_column(
        document_status, server_default=DocumentStatus.DRAFT.value
    )
    # Soft delete: the service layer always sets both together.
    is_deleted: Mapped[bool] = mapped_column(Boolean, server_default=false())
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Maintained by the documents_search_vector_update trigger (revision 0005).
    search_vector: Mapped[str | None] = mapped_column(TSVECTOR)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # Not migrated yet: the README's demo runs `migration-guard new` for this column.
    language: Mapped[str] = mapped_column(String(8), nullable=False)
