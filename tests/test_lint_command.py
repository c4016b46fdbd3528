"""``lint`` end to end: real temporary Alembic projects rendered offline, findings down to the op line."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.projects import ENV_PY_ONLINE_ONLY, add_revision, make_project, run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "verity-prism"


def lint_json(root: Path, *args: str, stdin: str | None = None) -> tuple[int, dict]:
    result = run_cli(root, "--format", "json", "lint", *args, stdin=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout, result.stderr
    return result.returncode, json.loads(result.stdout)


def line_of(path: Path, needle: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_finding_points_at_the_op_line(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade="op.create_table('documents', sa.Column('id', sa.Integer(), primary_key=True))",
    )
    path = add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.add_column('documents', sa.Column('note', sa.Text(), nullable=True))\n"
            "op.add_column('documents', sa.Column('language', sa.String(8), nullable=False))"
        ),
    )
    code, document = lint_json(tmp_path)
    assert code == 1
    assert document["revisions"] == ["a1", "b2"]
    (finding,) = [f for f in document["findings"] if f["rule"] == "not-null-without-default"]
    assert finding["revision"] == "b2"
    assert finding["path"] == "migrations/versions/b2.py"
    assert finding["line"] == line_of(path, "'language'")
    assert "ADD COLUMN language" in finding["statement"]
    assert set(finding) == {"rule", "severity", "revision", "path", "line", "message", "statement"}


def test_table_created_in_the_same_migration_is_fine(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            "op.create_table('t', sa.Column('id', sa.Integer(), primary_key=True))\n"
            "op.add_column('t', sa.Column('language', sa.String(8), nullable=False))\n"
            "op.create_index('ix_t_language', 't', ['language'])"
        ),
    )
    code, document = lint_json(tmp_path)
    assert (code, document["findings"]) == (0, [])


def test_raw_sql_from_op_execute_is_linted(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    path = add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="op.execute(\"DELETE FROM public.audit_log WHERE created_at < now() - interval '1 year'\")",
    )
    code, document = lint_json(tmp_path, "b2")
    assert code == 1
    assert document["revisions"] == ["b2"]
    (finding,) = document["findings"]
    assert finding["rule"] == "audit-log-delete"
    assert finding["line"] == line_of(path, "op.execute")


def test_merge_revision_and_branch_label_each_get_their_own_sql(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))"
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        labels="feature",
        upgrade="op.add_column('t', sa.Column('x', sa.Integer(), nullable=False))",
    )
    add_revision(tmp_path, "c3", "a1", upgrade="op.add_column('t', sa.Column('y', sa.Integer()))")
    add_revision(tmp_path, "m4", ("b2", "c3"), upgrade="op.drop_column('t', 'y')")
    code, document = lint_json(tmp_path, "feature", "m4")
    assert document["revisions"] == ["b2", "m4"]
    by_revision = {f["revision"]: f["rule"] for f in document["findings"]}
    assert by_revision == {"b2": "not-null-without-default", "m4": "drop-column"}
    assert code == 1


def test_env_without_offline_mode_is_linted_from_execution_not_a_crash(tmp_path: Path) -> None:
    make_project(tmp_path, env_py=ENV_PY_ONLINE_ONLY)
    add_revision(
        tmp_path, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))"
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="op.add_column('t', sa.Column('x', sa.Integer(), nullable=False))",
    )
    code, document = lint_json(tmp_path)
    assert code == 1
    (finding,) = document["findings"]
    assert (finding["rule"], finding["revision"], finding["judged_from"]) == (
        "not-null-without-default",
        "b2",
        "execution",
    )
    assert finding["path"] == "migrations/versions/b2.py"


def test_revision_that_reads_the_database_is_judged_from_execution(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))"
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="rows = op.get_bind().execute(sa.text('SELECT 1')).fetchall()",
    )
    add_revision(
        tmp_path,
        "c3",
        "b2",
        upgrade="op.add_column('t', sa.Column('x', sa.Integer(), nullable=False))",
    )
    code, document = lint_json(tmp_path)
    rules = {(f["revision"], f["rule"]) for f in document["findings"]}
    assert rules == {("c3", "not-null-without-default")}  # b2 ran: nothing to report
    assert code == 1


def test_syntax_error_in_a_revision_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    (tmp_path / "migrations" / "versions" / "b2.py").write_text(
        "revision = 'b2'\ndown_revision = 'a1'\ndef upgrade(:\n    pass\n"
    )
    result = run_cli(tmp_path, "lint")
    assert result.returncode == 2
    assert "b2.py:3" in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_unknown_revision_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    result = run_cli(tmp_path, "lint", "zzz")
    assert result.returncode == 2
    assert "no revision 'zzz'" in result.stderr


def test_lint_never_touches_the_users_database(tmp_path: Path) -> None:
    """env.py that ignores offline mode and connects: it gets a closed port, not DATABASE_URL."""
    make_project(tmp_path, env_py=ENV_PY_ONLINE_ONLY)
    add_revision(
        tmp_path, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))"
    )
    marker = tmp_path / "connected"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_guard",
            "--project",
            str(tmp_path),
            "--format",
            "json",
            "lint",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": f"sqlite:///{marker}"},
        check=False,
    )
    # the revision ran on the throwaway PostgreSQL (pinned), never where DATABASE_URL points
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["findings"] == []
    assert "running them on a throwaway PostgreSQL" in result.stderr
    assert not marker.exists()


def test_sql_input_split_into_revisions(tmp_path: Path) -> None:
    sql = tmp_path / "upgrade.sql"
    sql.write_text(
        "BEGIN;\n\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\n\n"
        "-- Running upgrade  -> a1\n\nCREATE TABLE t (id INTEGER);\n\n"
        "INSERT INTO alembic_version (version_num) VALUES ('a1');\n\n"
        "-- Running upgrade a1 -> b2\n\nALTER TABLE t ADD COLUMN x INTEGER NOT NULL;\n\n"
        "UPDATE alembic_version SET version_num='b2' WHERE alembic_version.version_num = 'a1';\n\n"
        "COMMIT;\n"
    )
    code, document = lint_json(tmp_path, "--sql", str(sql))
    assert code == 1
    assert document["revisions"] == ["a1", "b2"]
    (finding,) = document["findings"]
    assert (finding["rule"], finding["revision"], finding["path"], finding["line"]) == (
        "not-null-without-default",
        "b2",
        "upgrade.sql",
        13,
    )


def test_sql_from_stdin(tmp_path: Path) -> None:
    code, document = lint_json(tmp_path, "--sql", "-", stdin="TRUNCATE audit_log;\n")
    assert code == 1
    (finding,) = document["findings"]
    assert (finding["rule"], finding["path"], finding["revision"]) == (
        "audit-log-delete",
        "-",
        None,
    )


def test_unreadable_sql_file_is_exit_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "lint", "--sql", str(tmp_path / "missing.sql"))
    assert result.returncode == 2
    assert "missing.sql" in result.stderr


@pytest.mark.slow
def test_example_pending_change_is_flagged_at_its_add_column(
    postgres_url: str, tmp_path: Path
) -> None:
    from migration_guard.runners.postgres.databases import create_database, drop_database

    project = tmp_path / "verity-prism"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    backend = project / "backend"
    name = f"lint_{uuid.uuid4().hex[:8]}"
    url = create_database(postgres_url, name)
    try:
        environment = {**os.environ, "DATABASE_URL": url}
        for args in (["upgrade", "head"], ["revision", "--autogenerate", "-m", "add language"]):
            subprocess.run(
                [sys.executable, "-m", "alembic", *args],
                cwd=backend,
                env=environment,
                check=True,
                capture_output=True,
            )
    finally:
        drop_database(postgres_url, name)
    (new_file,) = [p for p in (backend / "alembic" / "versions").glob("*add_language*.py")]
    code, document = lint_json(project)
    assert code == 1
    (finding,) = document["findings"]
    assert finding["rule"] == "not-null-without-default"
    assert finding["path"] == f"backend/alembic/versions/{new_file.name}"
    assert finding["line"] == line_of(new_file, "op.add_column")


def test_lint_with_settings_in_pyproject_tool_alembic(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "alembic.ini").write_text("[alembic]\n")
    with (tmp_path / "pyproject.toml").open("a") as stream:
        stream.write('\n[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    add_revision(tmp_path, "a1", None, upgrade="op.execute('TRUNCATE audit_log')")
    code, document = lint_json(tmp_path)
    assert code == 1
    assert [f["rule"] for f in document["findings"]] == ["audit-log-delete"]


def test_staged_lints_only_staged_revision_files(tmp_path: Path) -> None:
    from tests.projects import git, init_repo

    make_project(tmp_path)
    add_revision(tmp_path, "a1", None, upgrade="op.execute('TRUNCATE audit_log')")
    init_repo(tmp_path)
    add_revision(
        tmp_path, "b2", "a1", upgrade="op.create_table('x', sa.Column('id', sa.Integer()))"
    )
    add_revision(tmp_path, "c3", "b2", upgrade="op.execute('TRUNCATE audit_log')")  # not staged
    git(tmp_path, "add", "migrations/versions/b2.py")
    code, document = lint_json(tmp_path, "--staged")
    assert (code, document["revisions"], document["findings"]) == (0, ["b2"], [])


def test_config_error_after_the_render_started_leaves_no_child(tmp_path: Path) -> None:
    make_project(tmp_path, pyproject='disable = ["no-such-rule"]\n')
    add_revision(tmp_path, "a1", None)
    result = run_cli(tmp_path, "lint")
    assert result.returncode == 2
    assert "no-such-rule" in result.stderr
    assert result.stderr.count("\n") == 1


def test_lint_never_connects_where_env_py_points(tmp_path: Path) -> None:
    """env.py that ignores offline mode and takes its URL from alembic.ini: it is pinned to the
    closed placeholder port, so nothing is reached (render-failed, not a connection)."""
    marker = tmp_path / "reached.db"
    make_project(
        tmp_path,
        env_py=ENV_PY_ONLINE_ONLY.replace(
            'create_engine(os.environ["DATABASE_URL"])',
            "create_engine(config.get_main_option('sqlalchemy.url'))",
        ),
        extra_ini=f"sqlalchemy.url = sqlite:///{marker}\n",
    )
    add_revision(
        tmp_path, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))"
    )
    code, document = lint_json(tmp_path)
    assert code == 0
    assert document["findings"] == []  # judged from execution, on the throwaway PostgreSQL
    assert not marker.exists()


def test_explicit_commit_is_flagged_and_autocommit_block_is_not(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade="op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True))",
    )
    path = add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.add_column('orders', sa.Column('user_id', sa.Integer(), nullable=True))\n"
            "with op.get_context().autocommit_block():\n"
            "    op.create_index('ix_orders_user_id', 'orders', ['user_id'],"
            " postgresql_concurrently=True)\n"
            "op.add_column('orders', sa.Column('note', sa.Text(), nullable=True))\n"
            "op.execute('COMMIT')\n"
            "op.execute(\"UPDATE orders SET note = ''\")"
        ),
    )
    # a COMMIT as the last statement leaves nothing of the migration outside its transaction
    add_revision(
        tmp_path,
        "c3",
        "b2",
        upgrade=(
            "op.add_column('orders', sa.Column('kind', sa.Text(), nullable=True))\n"
            "op.execute('COMMIT')"
        ),
    )
    _, alone = lint_json(tmp_path, "c3")
    assert [f["line"] for f in alone["findings"] if "COMMIT" in f["statement"]] == []
    code, document = lint_json(tmp_path, "b2")
    assert code == 0  # a warning
    found = [
        (f["line"], f["message"])
        for f in document["findings"]
        if f["rule"] == "commit-in-migration"
    ]
    assert found == [
        (
            line_of(path, "op.execute('COMMIT')"),
            "COMMIT in the middle of the migration: the statements after it run outside its "
            "transaction, and a failure after it leaves the migration half-applied with no "
            "rollback.",
        )
    ]
    assert not [f for f in document["findings"] if f["rule"] == "transaction-nesting"]


def test_set_not_null_after_python_code_says_only_what_the_sql_shows(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade="op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True))",
    )
    path = add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.add_column('orders', sa.Column('status', sa.Text(), nullable=True))\n"
            "if not op.get_context().as_sql:\n"
            "    op.get_bind().execute(sa.text(\"UPDATE orders SET status = 'new'\"))\n"
            "op.alter_column('orders', 'status', nullable=False)\n"
            "op.add_column('orders', sa.Column('kind', sa.Text(), nullable=True))\n"
            "op.alter_column('orders', 'kind', nullable=False)"
        ),
    )
    code, document = lint_json(tmp_path, "b2")
    assert code == 1
    found = [
        (f["line"], f["message"])
        for f in document["findings"]
        if f["rule"] == "not-null-without-default"
    ]
    assert found == [
        (
            line_of(path, "'status', nullable=False"),
            "Column `orders.status` is added without a default and set NOT NULL with no SQL "
            "statement in between that fills it; unless the Python code between them does, the "
            "migration fails on a table with rows.",
        ),
        (
            line_of(path, "'kind', nullable=False"),
            "Column `orders.kind` is added without a default and set NOT NULL with no backfill "
            "in between, so the migration fails on a table with rows.",
        ),
    ]


def test_an_earlier_revisions_commit_does_not_change_how_later_ones_are_judged(
    tmp_path: Path,
) -> None:
    """b2's stray COMMIT ends the run's transaction only for a run starting before b2; c3 and d4
    are judged as they run when deployed from their parents, the same in --all as alone."""
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade=(
            "op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True),"
            " sa.Column('code', sa.Text()))\n"
            "op.create_index('ix_orders_code', 'orders', ['code'])"
        ),
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            "op.execute('COMMIT')\n"
            "op.create_index('ix_orders_id', 'orders', ['id'], postgresql_concurrently=True)"
        ),
    )
    # the unique constraint already holds ACCESS EXCLUSIVE on orders: the drop waits for nothing
    add_revision(
        tmp_path,
        "c3",
        "b2",
        upgrade=(
            "op.create_unique_constraint('uq_orders_code', 'orders', ['code'])\n"
            "op.drop_index('ix_orders_code', table_name='orders')"
        ),
    )
    d4 = add_revision(
        tmp_path,
        "d4",
        "c3",
        upgrade=(
            "op.add_column('orders', sa.Column('note', sa.Text(), nullable=True))\n"
            "op.execute('COMMIT')\n"
            "op.execute(\"UPDATE orders SET note = ''\")"
        ),
    )
    for args in (("--all",), ("c3", "d4")):
        _, document = lint_json(tmp_path, *args)
        found = sorted(
            (f["revision"], f["rule"], f["line"])
            for f in document["findings"]
            if f["revision"] in ("c3", "d4")
            and f["rule"] in ("drop-index-not-concurrent", "commit-in-migration")
        )
        assert found == [("d4", "commit-in-migration", line_of(d4, "op.execute('COMMIT')"))], args
