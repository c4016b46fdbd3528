"""When ``new`` cannot bring its private database to head, it says why: PostgreSQL's error and
the revision's line, as the hook's drift check does, not the last line of Alembic's stderr
(SQLAlchemy's "Background on this error at: …" link)."""

from __future__ import annotations

import pytest

from tests.projects import add_revision, init_repo, make_project, run_cli

pytestmark = pytest.mark.slow


def test_the_history_replay_failure_shows_the_error_itself(tmp_path) -> None:  # type: ignore[no-untyped-def]
    root = make_project(tmp_path / "app")
    add_revision(root, "a1", None, upgrade='op.execute("SELECT no_such_function()")')
    init_repo(root)
    result = run_cli(root, "new", "anything", "--runner", "local", "--dry-run")
    assert result.returncode == 3, result.stdout + result.stderr
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert "function no_such_function() does not exist" in line
    assert "UndefinedFunction" in line
    assert "a1.py:" in line  # the revision's line that raised
    assert "Background on this error" not in line
