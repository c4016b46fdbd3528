"""SQLAlchemy models; Alembic's autogenerate compares ``Base.metadata`` with the database."""

from app.models.audit_log import AuditLog
from app.models.base import Base
from app.models.document import Document, DocumentStatus
from app.models.user import User

__all__ = ["AuditLog", "Base", "Document", "DocumentStatus", "User"]
