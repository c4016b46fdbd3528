"""``lint --sql`` on ``alembic upgrade --sql`` output that env.py and migrations printed into."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from migration_guard.sql.noise import without_stray_lines
from tests.projects import ENV_PY, add_revision, make_project, run_cli

NOISY_ENV = ENV_PY.replace(
    "config = context.config\n",
    'config = context.config\nprint("Loading settings from .env (won\'t connect)")\n',
)


def rendered_with_prints(root: Path) -> Path:
    """What a user redirects to a file: ``alembic upgrade heads --sql > upgrade.sql``."""
    make_project(root, env_py=NOISY_ENV)
    add_revision(
        root, "a1", None, upgrade="op.create_table('audit_log', sa.Column('id', sa.Integer()))"
    )
    add_revision(
        root,
        "b2",
        "a1",
        upgrade=(
            'print("Pruning tenant\'s audit rows...")\n'
            "print({'tenant': 42, 'dry_run': False})\n"
            'op.execute("DELETE FROM audit_log WHERE id < 100")\n'
            "print('done; 3 steps')"
        ),
    )
    completed = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "heads", "--sql"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        env={"DATABASE_URL": "postgresql://u@127.0.0.1:9/db", "PATH": "/usr/bin:/bin"},
    )
    output = root / "upgrade.sql"
    output.write_text(completed.stdout)
    return output


def test_delete_after_printed_lines_is_still_flagged_at_its_line(tmp_path: Path) -> None:
    output = rendered_with_prints(tmp_path)
    text = output.read_text()
    assert "Pruning tenant's audit rows..." in text  # the fixture really is polluted
    result = run_cli(tmp_path, "--format", "json", "lint", "--sql", str(output))
    assert "Traceback" not in result.stderr, result.stderr
    document = json.loads(result.stdout)
    assert document["revisions"] == ["a1", "b2"]
    (finding,) = [f for f in document["findings"] if f["rule"] == "audit-log-delete"]
    delete_line = text.splitlines().index("DELETE FROM audit_log WHERE id < 100;") + 1
    assert (finding["revision"], finding["line"]) == ("b2", delete_line)
    assert finding["statement"] == "DELETE FROM audit_log WHERE id < 100;"
    assert result.returncode == 1


def test_stray_lines_are_emptied_and_sql_is_kept_byte_for_byte() -> None:
    sql = (
        "Starting migration: don't stop\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
        "BEGIN ATOMIC\n"
        "  SELECT 1;\n"
        "  RETURN 2;\n"
        "END;\n"
        "{'rows': 3}\n"
        "-- a comment stays\n"
        "(SELECT 1);\n"
        "(1, 2)\n"
        "INSERT INTO notes VALUES ('it''s\n"
        "Multi line text kept');\n"
        "COMMIT; all done\n"
    )
    cleaned = without_stray_lines(sql)
    assert cleaned.splitlines() == [
        "",
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql",
        "BEGIN ATOMIC",
        "  SELECT 1;",
        "  RETURN 2;",
        "END;",
        "",
        "-- a comment stays",
        "(SELECT 1);",
        "",
        "INSERT INTO notes VALUES ('it''s",
        "Multi line text kept');",
        "COMMIT; ",
    ]


def test_clean_sql_is_unchanged() -> None:
    sql = "BEGIN;\n\nUPDATE t SET a = 1 WHERE b;\n\nCOMMIT;\n"
    assert without_stray_lines(sql) == sql
