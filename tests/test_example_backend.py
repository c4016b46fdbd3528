"""The example backend migrates on a real PostgreSQL, and its trigger really guards audit_log."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from migration_guard.runners.postgres.databases import create_database, drop_database, query

pytestmark = pytest.mark.slow

BACKEND = Path(__file__).resolve().parent.parent / "examples" / "verity-prism" / "backend"
HEAD = "e2b86d14f07a"
TABLES = {"users", "documents", "audit_log"}

psycopg2: Any = pytest.importorskip("psycopg2")


def alembic(url: str, *args: str, backend: Path = BACKEND) -> subprocess.CompletedProcess[str]:
    """Run Alembic as the user would: from the backend folder, URL in DATABASE_URL."""
    return subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(backend / "alembic.ini"), *args],
        cwd=backend,
        env={**os.environ, "DATABASE_URL": url, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        check=False,
    )


def upgraded(url: str) -> str:
    result = alembic(url, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    return url


def tables(url: str) -> set[str]:
    rows = query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    return {row[0] for row in rows}


@pytest.fixture
def database(postgres_url: str) -> Iterator[str]:
    name = f"example_{uuid.uuid4().hex[:10]}"
    url = create_database(postgres_url, name)
    try:
        yield url
    finally:
        drop_database(postgres_url, name)


def test_upgrade_to_head_and_downgrade_to_base(database: str) -> None:
    upgraded(database)
    assert tables(database) == TABLES | {"alembic_version"}
    assert query(database, "SELECT version_num FROM alembic_version") == [(HEAD,)]
    enum = query(
        database,
        "SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
        "WHERE t.typname = 'document_status' ORDER BY e.enumsortorder",
    )
    assert [row[0] for row in enum] == ["draft", "in_review", "published", "archived"]

    result = alembic(database, "downgrade", "base")
    assert result.returncode == 0, result.stderr
    assert tables(database) == {"alembic_version"}
    assert query(database, "SELECT 1 FROM pg_type WHERE typname = 'document_status'") == []
    assert query(database, "SELECT 1 FROM pg_proc WHERE proname = 'audit_log_block_mutation'") == []

    upgraded(database)
    assert query(database, "SELECT version_num FROM alembic_version") == [(HEAD,)]


def test_audit_log_trigger_blocks_delete_update_and_truncate(database: str) -> None:
    upgraded(database)
    connection = psycopg2.connect(database)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO audit_log (table_name, row_id, action) "
                "VALUES ('documents', 1, 'insert')"
            )
            for statement in (
                "DELETE FROM audit_log",
                "UPDATE audit_log SET action = 'edited'",
                "TRUNCATE audit_log",
            ):
                with pytest.raises(psycopg2.Error, match="audit_log is append-only") as raised:
                    cursor.execute(statement)
                assert raised.value.pgcode == "42501"
            cursor.execute("SELECT action FROM audit_log")
            assert cursor.fetchall() == [("insert",)]
    finally:
        connection.close()


def test_documents_are_searchable_and_soft_deletable(database: str) -> None:
    upgraded(database)
    connection = psycopg2.connect(database)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO users (email, display_name) VALUES ('ada@example.com', 'Ada') "
                "RETURNING id"
            )
            (owner,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO documents (owner_id, title, body, status) "
                "VALUES (%s, 'Quarterly report', 'Revenue grew steadily', 'in_review') "
                "RETURNING is_deleted, deleted_at",
                (owner,),
            )
            assert cursor.fetchone() == (False, None)
            cursor.execute(
                "SELECT title FROM documents "
                "WHERE search_vector @@ to_tsquery('pg_catalog.english', 'revenues & reporting')"
            )
            assert cursor.fetchall() == [("Quarterly report",)]
    finally:
        connection.close()


def test_autogenerate_at_head_finds_only_the_unmigrated_column(
    database: str, tmp_path: Path
) -> None:
    upgraded(database)
    backend = tmp_path / "backend"
    shutil.copytree(BACKEND, backend, ignore=shutil.ignore_patterns("__pycache__"))
    versions = backend / "alembic" / "versions"
    before = set(versions.iterdir())

    result = alembic(database, "revision", "--autogenerate", "-m", "add language", backend=backend)
    assert result.returncode == 0, result.stderr

    (new_file,) = set(versions.iterdir()) - before
    tree = ast.parse(new_file.read_text())
    upgrade = next(
        node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == "upgrade"
    )
    calls = [
        ast.unparse(node)
        for node in ast.walk(upgrade)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "op"
    ]
    assert calls == [
        "op.add_column('documents', sa.Column('language', sa.String(length=8), nullable=False))"
    ]
    assert f"down_revision: Union[str, Sequence[str], None] = {HEAD!r}" in new_file.read_text()


def test_offline_render_needs_no_database() -> None:
    result = alembic("postgresql://nobody@127.0.0.1:1/none", "upgrade", "head", "--sql")
    assert result.returncode == 0, result.stderr
    sql = result.stdout
    assert "CREATE INDEX CONCURRENTLY ix_documents_search_vector ON documents USING gin" in sql
    assert "ALTER TYPE document_status ADD VALUE IF NOT EXISTS 'in_review'" in sql
    assert "CREATE TRIGGER audit_log_no_update_or_delete" in sql
    assert sql.count("-- Running upgrade") == 6
