"""The models import and describe the tables the migrations create."""

from app.models import Base, DocumentStatus


def test_tables_are_registered() -> None:
    assert set(Base.metadata.tables) == {"users", "documents", "audit_log"}


def test_document_status_values_are_lowercase() -> None:
    assert [status.value for status in DocumentStatus] == [
        "draft",
        "in_review",
        "published",
        "archived",
    ]
