"""``trace``: real Alembic revisions run on a real throwaway PostgreSQL, facts per statement."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from tests.projects import ENV_PY, make_project, run_cli

pytestmark = pytest.mark.slow

REVISION = '''"""{message}

Revision ID: {revision}
Revises: {down_text}
"""
{header}
from alembic import op
import sqlalchemy as sa

revision = "{revision}"
down_revision = {down}
branch_labels = None
depends_on = None


def upgrade():
{upgrade}


def downgrade():
{downgrade}
'''


def _indent(body: str) -> str:
    return "\n".join("    " + line if line else "" for line in body.strip("\n").splitlines())


def write_revision(
    root: Path,
    revision: str,
    down: str | None,
    upgrade: str,
    downgrade: str = "pass",
    header: str = "",
) -> Path:
    path = root / "migrations" / "versions" / f"{revision}_step.py"
    path.write_text(
        REVISION.format(
            message=f"step {revision}",
            revision=revision,
            down_text=down or "",
            down=repr(down),
            header=header,
            upgrade=_indent(upgrade),
            downgrade=_indent(downgrade),
        )
    )
    return path


def line_of(path: Path, needle: str) -> int:
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        if needle in text:
            return number
    raise AssertionError(needle)


def trace(root: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    completed = run_cli(
        root,
        "--format",
        "json",
        "trace",
        "--runner",
        "local",
        *args,
        env={**os.environ, **(env or {})},
    )
    assert completed.returncode in (0, 1), completed.stderr
    return completed.returncode, json.loads(completed.stdout)


BASE_TABLE = """
op.create_table(
    "orders",
    sa.Column("id", sa.Integer(), primary_key=True),
    sa.Column("amount", sa.Integer(), nullable=False),
    sa.Column("note", sa.String(40)),
)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "app")
    write_revision(root, "a1", None, BASE_TABLE, 'op.drop_table("orders")')
    return root


def entry(report: dict[str, Any], revision: str) -> dict[str, Any]:
    (found,) = [e for e in report["trace"] if e["revision"] == revision]
    return found


def rules_of(report: dict[str, Any], revision: str) -> list[str]:
    return [f["rule"] for f in report["findings"] if f["revision"] == revision]


def test_integer_to_bigint_rewrites_under_access_exclusive_lock(project: Path) -> None:
    path = write_revision(
        project,
        "b2",
        "a1",
        'op.alter_column("orders", "amount", type_=sa.BigInteger())',
        'op.alter_column("orders", "amount", type_=sa.Integer())',
    )
    code, report = trace(project, "b2")
    traced = entry(report, "b2")
    assert traced["upgrade"] == "ok" and traced["downgrade"] == "ok"
    (statement,) = [s for s in traced["statements"] if "ALTER TABLE" in s["sql"]]
    assert statement["rewrites"] == ["orders"]
    assert {"relation": "orders", "mode": "AccessExclusiveLock"} in statement["locks"]
    assert not [lock for lock in statement["locks"] if "alembic_version" in lock["relation"]]
    assert statement["line"] == line_of(path, "op.alter_column")
    assert statement["path"] == "migrations/versions/b2_step.py"
    rewrite = [f for f in report["findings"] if f["rule"] == "table-rewrite"]
    assert rewrite and rewrite[0]["line"] == statement["line"]
    assert "column-type-change" not in rules_of(report, "b2")  # the observed fact replaces it
    assert "access-exclusive-lock" not in rules_of(
        report, "b2"
    )  # one statement: held by none other
    assert code == 0
    assert report["revisions"] == ["b2"]


def test_varchar_to_text_and_constant_default_are_not_rewrites(project: Path) -> None:
    write_revision(
        project,
        "b2",
        "a1",
        'op.alter_column("orders", "note", type_=sa.Text())\n'
        'op.add_column("orders", sa.Column("status", sa.Text(), nullable=False, server_default="new"))',
        'op.drop_column("orders", "status")\nop.alter_column("orders", "note", type_=sa.String(40))',
    )
    _code, report = trace(project, "b2")
    statements = entry(report, "b2")["statements"]
    assert len([s for s in statements if "ALTER TABLE" in s["sql"]]) == 2
    assert all(s["rewrites"] == [] for s in statements)
    assert "table-rewrite" not in rules_of(report, "b2")
    assert "column-type-change" not in rules_of(report, "b2")


def test_create_index_takes_share_lock_concurrently_does_not(project: Path) -> None:
    write_revision(
        project,
        "b2",
        "a1",
        'op.create_index("ix_orders_amount", "orders", ["amount"])\n'
        "with op.get_context().autocommit_block():\n"
        '    op.create_index("ix_orders_note", "orders", ["note"], postgresql_concurrently=True)',
        'op.drop_index("ix_orders_note")\nop.drop_index("ix_orders_amount")',
    )
    _code, report = trace(project, "b2")
    statements = entry(report, "b2")["statements"]
    (plain,) = [s for s in statements if "ix_orders_amount" in s["sql"]]
    (concurrent,) = [s for s in statements if "ix_orders_note" in s["sql"]]
    assert {"relation": "orders", "mode": "ShareLock"} in plain["locks"]
    assert "CONCURRENTLY" in concurrent["sql"]
    assert not [lock for lock in concurrent["locks"] if lock["mode"] == "ShareLock"]
    assert entry(report, "b2")["downgrade"] == "ok"


def test_not_valid_then_validate_is_observed(project: Path) -> None:
    path = write_revision(
        project,
        "b2",
        "a1",
        'op.execute("ALTER TABLE orders ADD CONSTRAINT ck_amount CHECK (amount > 0) NOT VALID")\n'
        'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_amount")',
        'op.drop_constraint("ck_amount", "orders")',
    )
    _code, report = trace(project, "b2")
    facts = entry(report, "b2")
    assert facts["downgrade"] == "ok"
    text = run_cli(project, "trace", "--runner", "local", "b2").stdout
    assert f"{line_of(path, 'NOT VALID')}" in text
    assert "NOT VALID orders.ck_amount" in text
    assert "validated orders.ck_amount" in text
    held = [f for f in report["findings"] if f["rule"] == "access-exclusive-lock"]
    assert held and held[0]["line"] == line_of(path, "NOT VALID")


def test_downgrade_leaving_a_column_behind_is_not_reversible(project: Path) -> None:
    path = write_revision(
        project, "b2", "a1", 'op.add_column("orders", sa.Column("extra", sa.Text()))', "pass"
    )
    code, report = trace(project, "b2")
    assert entry(report, "b2")["downgrade"] == "not-reversible"
    (finding,) = [f for f in report["findings"] if f["rule"] == "downgrade-not-reversible"]
    assert "orders.extra" in finding["message"]
    assert finding["severity"] == "error" and finding["line"] == line_of(path, "def downgrade")
    assert code == 1


def test_downgrade_not_reversible_can_be_suppressed(project: Path) -> None:
    write_revision(
        project,
        "b2",
        "a1",
        'op.add_column("orders", sa.Column("extra", sa.Text()))',
        "pass  # migration-guard: ignore[downgrade-not-reversible] data kept on purpose",
    )
    code, report = trace(project, "b2")
    assert entry(report, "b2")["downgrade"] == "not-reversible"
    assert rules_of(report, "b2") == []
    assert code == 0


def test_downgrade_that_raises_is_downgrade_failed(project: Path) -> None:
    path = write_revision(
        project,
        "b2",
        "a1",
        'op.add_column("orders", sa.Column("extra", sa.Text()))',
        'op.drop_column("orders", "no_such_column")',
    )
    code, report = trace(project, "b2")
    assert entry(report, "b2")["downgrade"] == "failed"
    (finding,) = [f for f in report["findings"] if f["rule"] == "downgrade-failed"]
    assert "no_such_column" in finding["message"]
    assert finding["line"] == line_of(path, "no_such_column")
    assert code == 1


def test_seeded_rows_make_not_null_without_default_fail(project: Path) -> None:
    path = write_revision(
        project,
        "b2",
        "a1",
        'op.add_column("orders", sa.Column("owner", sa.Text(), nullable=False))',
        'op.drop_column("orders", "owner")',
    )
    code, unseeded = trace(project, "b2")
    assert entry(unseeded, "b2")["upgrade"] == "ok"
    code, report = trace(project, "--seed", "b2")
    traced = entry(report, "b2")
    assert traced["seeded_tables"] == ["orders"]
    assert traced["upgrade"] == "failed" and traced["downgrade"] == "skipped"
    (finding,) = [f for f in report["findings"] if f["rule"] == "upgrade-failed"]
    assert '"orders"' in finding["message"] and "null" in finding["message"]
    assert finding["line"] == line_of(path, "op.add_column")
    assert code == 1


def test_seeding_never_breaks_a_data_migration_with_fixed_ids(project: Path) -> None:
    write_revision(
        project,
        "b2",
        "a1",
        "op.bulk_insert(sa.table('orders', sa.column('id'), sa.column('amount')),"
        " [{'id': 1, 'amount': 5}, {'id': 2, 'amount': 6}])",
        'op.execute("DELETE FROM orders WHERE id IN (1, 2)")',
    )
    code, report = trace(project, "--seed", "b2")
    assert entry(report, "b2")["upgrade"] == "ok"
    assert entry(report, "b2")["seeded_tables"] == ["orders"]
    assert code == 0


def test_unrenderable_revision_is_linted_from_executed_sql(project: Path) -> None:
    path = write_revision(
        project,
        "b2",
        "a1",
        'op.create_table("audit_log", sa.Column("id", sa.Integer(), primary_key=True))',
        'op.drop_table("audit_log")',
    )
    path = write_revision(
        project,
        "c3",
        "b2",
        "rows = op.get_bind().execute(sa.text('SELECT id FROM orders')).fetchall()\n"
        "if not rows:\n"
        "    op.execute('DELETE FROM audit_log WHERE id < 10')",
    )
    lint = run_cli(project, "--format", "json", "lint", "c3")
    # lint itself falls back to running it (the same machinery), so it is judged there too
    judged = json.loads(lint.stdout)["findings"]
    assert [(f["rule"], f["line"], f["judged_from"]) for f in judged] == [
        ("audit-log-delete", line_of(path, "DELETE FROM audit_log"), "execution")
    ]
    _code, report = trace(project, "c3")
    audit = [f for f in report["findings"] if f["rule"] == "audit-log-delete"]
    assert audit and audit[0]["line"] == line_of(path, "DELETE FROM audit_log")
    assert audit[0]["revision"] == "c3"


def test_users_database_url_receives_no_connection(project: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    accepted: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept())
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    env_py = ENV_PY.replace(
        'create_engine(os.environ["DATABASE_URL"])',
        f'create_engine("postgresql+psycopg2://user:pw@127.0.0.1:{port}/prod")',
    )
    (project / "migrations" / "env.py").write_text(env_py)
    write_revision(
        project,
        "b2",
        "a1",
        'op.add_column("orders", sa.Column("x", sa.Text()))',
        'op.drop_column("orders", "x")',
    )
    try:
        code, report = trace(
            project, "--all", env={"DATABASE_URL": f"postgresql://user:pw@127.0.0.1:{port}/prod"}
        )
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert accepted == []
    assert [e["upgrade"] for e in report["trace"]] == ["ok", "ok"]
    assert code == 0


def test_check_trace_adds_the_trace_of_new_revisions(project: Path) -> None:
    from tests.projects import commit_all, git, init_repo

    init_repo(project)
    git(project, "branch", "base")
    write_revision(
        project, "b2", "a1", 'op.add_column("orders", sa.Column("x", sa.Text()))', "pass"
    )
    commit_all(project, "b2")
    plain = run_cli(project, "--format", "json", "check", "--base", "base")
    assert "trace" not in json.loads(plain.stdout)
    traced = run_cli(
        project, "--format", "json", "check", "--base", "base", "--trace", "--runner", "local"
    )
    report = json.loads(traced.stdout)
    assert [e["revision"] for e in report["trace"]] == ["b2"]
    assert "downgrade-not-reversible" in [f["rule"] for f in report["findings"]]
    assert traced.returncode == 1


def test_summary_has_a_mermaid_graph_with_escaped_ids_and_the_lock_table(
    project: Path, tmp_path: Path
) -> None:
    write_revision(
        project,
        "b2",
        "a1",
        'op.create_index("ix_orders_amount", "orders", ["amount"])',
        'op.drop_index("ix_orders_amount")',
    )
    summary = tmp_path / "summary.md"
    run_cli(
        project,
        "--format",
        "github",
        "--summary-file",
        str(summary),
        "trace",
        "--runner",
        "local",
        "b2",
    )
    text = summary.read_text()
    assert "```mermaid" in text and 'n0["b2"]' in text and "n0 --> n1" in text
    assert "ShareLock orders" in text
    from migration_guard.report.trace_table import mermaid_graph
    from migration_guard.trace_results import TraceEntry

    hostile = mermaid_graph([TraceEntry('x"]; click n0 call evil()', "p.py", "ok", "ok")])
    assert '"]' not in hostile[2].removesuffix('"]') and "evil()" not in hostile[2]


@pytest.mark.parametrize("value", ["1", "yes", 3])
def test_trace_config_types_are_checked(tmp_path: Path, value: object) -> None:
    from migration_guard.config.pyproject import config_from_table
    from migration_guard.errors import ConfigError

    with pytest.raises(ConfigError, match="trace"):
        config_from_table(tmp_path, {"trace": value}, "pyproject.toml")
    assert (
        config_from_table(tmp_path, {"trace": "hook", "trace_seed": "seed.sql"}, "p").trace
        == "hook"
    )
    with pytest.raises(ConfigError, match="trace_seed"):
        config_from_table(tmp_path, {"trace_seed": 3}, "pyproject.toml")


def test_reusable_workflow_traces_by_default() -> None:
    import yaml

    root = Path(__file__).resolve().parent.parent
    workflow = yaml.safe_load((root / ".github" / "workflows" / "migration-check.yml").read_text())
    on = workflow.get("on", workflow.get(True))
    assert on["workflow_call"]["inputs"]["trace"]["default"] is True
    steps = workflow["jobs"]["check"]["steps"]
    (check,) = [step for step in steps if step.get("name") == "Check migrations"]
    assert (
        "command+=(--trace)" in check["run"] and check["env"]["MG_TRACE"] == "${{ inputs.trace }}"
    )


@pytest.mark.parametrize("setting", ["hook", "false"])
def test_trace_hook_makes_the_commit_hook_trace_the_staged_revision(
    tmp_path: Path, setting: str
) -> None:
    """``trace = "hook"``: the hook traces staged revisions, their staged blob (the work tree's
    later edit is not what runs); with ``trace = false`` the hook only lints."""
    from tests.projects import git, init_repo

    value = '"hook"' if setting == "hook" else "false"
    root = make_project(tmp_path / "app", pyproject=f"trace = {value}\n")
    write_revision(root, "a1", None, BASE_TABLE, 'op.drop_table("orders")')
    init_repo(root)
    path = write_revision(
        root,
        "b2",
        "a1",
        'op.alter_column("orders", "amount", type_=sa.BigInteger())',
        'op.alter_column("orders", "amount", type_=sa.Integer())',
    )
    git(root, "add", str(path))
    path.write_text(path.read_text().replace("sa.BigInteger()", "sa.Numeric(20)", 1))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_guard",
            "--format",
            "json",
            "hook",
            str(path.relative_to(root)),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout)
    rules = {finding["rule"] for finding in report["findings"]}
    if setting == "hook":
        assert "table-rewrite" in rules, report
        (entry,) = report["trace"]
        statements = [s["sql"] for s in entry["statements"] if "ALTER TABLE" in s["sql"]]
        assert statements and all("BIGINT" in sql for sql in statements), statements
    else:
        assert "table-rewrite" not in rules
        assert not report.get("trace")


@pytest.mark.parametrize("seed_sql", [None, "INSERT INTO orders (id, amount) VALUES (1, 'x');\n"])
def test_a_seed_file_that_fails_or_is_missing_is_exit_2_naming_it(
    project: Path, seed_sql: str | None
) -> None:
    if seed_sql is not None:
        (project / "seed.sql").write_text(seed_sql)
    pyproject = project / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'trace_seed = "seed.sql"\n')
    write_revision(project, "b2", "a1", 'op.add_column("orders", sa.Column("x", sa.Text()))')
    completed = run_cli(project, "trace", "--runner", "local", "b2")
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert "Traceback" not in completed.stderr
    assert "seed.sql" in lines[-1], lines
    if seed_sql is not None:
        assert "the seed SQL failed" in lines[-1] and "integer" in lines[-1], lines


def test_statements_in_batch_mode_and_helpers_map_to_their_own_lines(project: Path) -> None:
    """As lint maps them: inside ``batch_alter_table`` each statement belongs to the
    ``batch_op.`` call that recorded it (Alembic runs them at the end of the ``with``), and an
    ``op.`` call in a helper of the revision file to the helper's call in ``upgrade()``."""
    path = write_revision(
        project,
        "b2",
        "a1",
        """
with op.batch_alter_table("orders") as batch_op:
    batch_op.add_column(sa.Column("x", sa.Integer()))
    batch_op.alter_column("amount", type_=sa.BigInteger())
_add_note_index()
""",
        header="""

def _add_note_index():
    op.create_index("ix_orders_note", "orders", ["note"])
""",
    )
    _code, report = trace(project, "b2")
    statements = entry(report, "b2")["statements"]
    by_sql = {s["sql"]: s["line"] for s in statements}
    lines = by_sql
    add = [line for sql, line in by_sql.items() if "ADD COLUMN x" in sql]
    alter = [line for sql, line in by_sql.items() if "TYPE BIGINT" in sql]
    index = [line for sql, line in by_sql.items() if "CREATE INDEX ix_orders_note" in sql]
    assert add == [line_of(path, "batch_op.add_column")], lines
    assert alter == [line_of(path, "batch_op.alter_column")], lines
    assert index == [line_of(path, "    _add_note_index()")], lines


def lint_rules(root: Path, *revisions: str) -> list[tuple[str, int]]:
    completed = run_cli(root, "--format", "json", "lint", *revisions)
    assert completed.returncode in (0, 1), completed.stderr
    return [(f["rule"], f["line"]) for f in json.loads(completed.stdout)["findings"]]


def test_a_one_column_soft_delete_convention_is_silent_as_in_lint(project: Path) -> None:
    """The project's tables only ever get ``deleted_at``: trace, like lint, reads the earlier
    revisions and the project's convention, so adding ``deleted_at`` alone is no finding."""
    write_revision(
        project,
        "b2",
        "a1",
        'op.add_column("orders", sa.Column("deleted_at", sa.DateTime(timezone=True)))',
        'op.drop_column("orders", "deleted_at")',
    )
    write_revision(
        project,
        "c3",
        "b2",
        'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True),'
        ' sa.Column("deleted_at", sa.DateTime(timezone=True)))',
        'op.drop_table("users")',
    )
    for revisions in (["c3"], ["b2", "c3"], ["--all"]):
        _code, report = trace(project, *revisions)
        assert [e["upgrade"] for e in report["trace"]] == ["ok"] * len(report["trace"])
        assert "soft-delete-pair" not in [f["rule"] for f in report["findings"]], revisions
    assert "soft-delete-pair" not in [rule for rule, _line in lint_rules(project, "c3")]


def test_half_a_soft_delete_pair_is_flagged_when_the_project_uses_the_pair(
    project: Path,
) -> None:
    write_revision(
        project,
        "b2",
        "a1",
        'op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True),'
        ' sa.Column("is_deleted", sa.Boolean()), sa.Column("deleted_at", sa.DateTime()))',
        'op.drop_table("users")',
    )
    path = write_revision(
        project,
        "c3",
        "b2",
        'op.add_column("orders", sa.Column("is_deleted", sa.Boolean()))',
        'op.drop_column("orders", "is_deleted")',
    )
    expected = ("soft-delete-pair", line_of(path, "op.add_column"))
    assert [found for found in lint_rules(project, "c3") if found[0] == expected[0]] == [expected]
    for revisions in (["c3"], ["b2", "c3"]):
        _code, report = trace(project, *revisions)
        pairs = [(f["rule"], f["line"]) for f in report["findings"] if f["rule"] == expected[0]]
        assert pairs == [expected], revisions


def test_a_check_validated_from_an_earlier_revision_lets_set_not_null_pass(
    project: Path,
) -> None:
    """The documented recipe across two revisions: the check added NOT VALID earlier (read from
    its file when only the later one is traced), validated, then SET NOT NULL without a scan."""
    write_revision(
        project,
        "b2",
        "a1",
        'op.execute("ALTER TABLE orders ADD CONSTRAINT ck_note CHECK (note IS NOT NULL) NOT VALID")',
        'op.drop_constraint("ck_note", "orders")',
    )
    write_revision(
        project,
        "c3",
        "b2",
        'op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_note")\n'
        'op.alter_column("orders", "note", nullable=False)',
        'op.alter_column("orders", "note", nullable=True)',
    )
    assert "set-not-null" not in [rule for rule, _line in lint_rules(project, "c3")]
    for revisions in (["c3"], ["b2", "c3"]):
        _code, report = trace(project, *revisions)
        assert entry(report, "c3")["upgrade"] == "ok"
        assert "set-not-null" not in [f["rule"] for f in report["findings"]], revisions


def test_a_statement_running_past_trace_timeout_is_cancelled_and_the_rest_traced(
    tmp_path: Path,
) -> None:
    import time

    root = make_project(tmp_path / "app", pyproject="trace_timeout = 2\n")
    write_revision(root, "a1", None, BASE_TABLE, 'op.drop_table("orders")')
    slow = write_revision(root, "b2", "a1", 'op.execute("SELECT pg_sleep(600)")')
    write_revision(  # a second branch from a1: traced although b2 never finishes
        root,
        "c3",
        "a1",
        'op.add_column("orders", sa.Column("extra", sa.Text()))',
        'op.drop_column("orders", "extra")',
    )
    write_revision(root, "d4", "b2", 'op.add_column("orders", sa.Column("never", sa.Text()))')
    started = time.monotonic()
    code, report = trace(root, "--all")
    assert time.monotonic() - started < 30
    assert code == 1
    assert entry(report, "b2")["upgrade"] == "failed"
    (finding,) = [f for f in report["findings"] if f["revision"] == "b2"]
    assert finding["rule"] == "upgrade-failed" and finding["severity"] == "error"
    assert finding["line"] == line_of(slow, "pg_sleep")
    assert finding["message"] == (
        "Upgrade of b2 failed: the statement ran longer than trace_timeout (2 s) "
        "and was cancelled: SELECT pg_sleep(600)"
    )
    assert finding["statement"] == "SELECT pg_sleep(600)"
    later = entry(report, "c3")
    assert later["upgrade"] == "ok" and later["downgrade"] == "ok"
    assert [s["sql"] for s in later["statements"]] == ["ALTER TABLE orders ADD COLUMN extra TEXT"]
    assert report["revisions"] == ["a1", "b2", "c3"]  # d4 is built on b2: not reached


@pytest.mark.parametrize("value", [0, -5, "300", True, 1.5])
def test_trace_timeout_must_be_a_positive_whole_number(tmp_path: Path, value: object) -> None:
    from migration_guard.config.pyproject import config_from_table
    from migration_guard.errors import ConfigError

    with pytest.raises(ConfigError, match=r"\[tool.migration-guard\] trace_timeout: expected"):
        config_from_table(tmp_path, {"trace_timeout": value}, "pyproject.toml")
    assert config_from_table(tmp_path, {"trace_timeout": 7}, "p").trace_timeout == 7
    assert config_from_table(tmp_path, {}, "p").trace_timeout == 300


def test_a_bad_trace_timeout_is_exit_2_naming_the_key(tmp_path: Path) -> None:
    root = make_project(tmp_path / "app", pyproject="trace_timeout = 0\n")
    write_revision(root, "a1", None, BASE_TABLE, 'op.drop_table("orders")')
    completed = run_cli(root, "trace", "--runner", "local", "--all")
    assert completed.returncode == 2
    assert "trace_timeout: expected a whole number of at least 1" in completed.stderr
    assert "Traceback" not in completed.stderr


LINEAR = {
    "r001": (BASE_TABLE, 'op.drop_table("orders")'),
    "r002": (
        'op.add_column("orders", sa.Column("c2", sa.Text()))',
        'op.drop_column("orders", "c2")',
    ),
    "r003": ('op.create_index("ix_c2", "orders", ["c2"])', 'op.drop_index("ix_c2")'),
    "r004": (
        'op.add_column("orders", sa.Column("c4", sa.Text()))',
        'op.drop_column("orders", "c4")',
    ),
    "r005": (
        'op.add_column("orders", sa.Column("c5", sa.Text()))\n'
        'op.add_column("orders", sa.Column("c5b", sa.Text()))',
        'op.drop_column("orders", "c5b")\nop.drop_column("orders", "c5")',
    ),
    "r006": (
        'op.add_column("orders", sa.Column("c6", sa.Integer()))\n'
        'op.create_index("ix_c6", "orders", ["c6"])',
        'op.drop_index("ix_c6")\nop.drop_column("orders", "c6")',
    ),
}


LEAKY = {"r005": 'op.drop_column("orders", "c5b")', "r001": "pass"}
"""The bad downgrades: r005's leaves column c5 behind, r001's leaves the whole table."""


@pytest.mark.parametrize("leaky", ["r005", "r001"])
def test_a_downgrade_that_leaves_things_behind_hides_no_later_revision(
    tmp_path: Path, leaky: str
) -> None:
    root = make_project(tmp_path / "app")
    paths = {}
    down = None
    for revision, (upgrade, downgrade) in LINEAR.items():
        if revision == leaky:
            downgrade = LEAKY[leaky]
        paths[revision] = write_revision(root, revision, down, upgrade, downgrade)
        down = revision
    code, report = trace(root, "--all")
    assert report["revisions"] == list(LINEAR)
    assert [(e["revision"], e["upgrade"]) for e in report["trace"]] == [
        (revision, "ok") for revision in LINEAR
    ]
    assert [e["revision"] for e in report["trace"] if e["downgrade"] != "ok"] == [leaky]
    assert entry(report, leaky)["downgrade"] == "not-reversible"
    (finding,) = [f for f in report["findings"] if f["rule"] == "downgrade-not-reversible"]
    assert finding["revision"] == leaky
    assert finding["line"] == line_of(paths[leaky], "def downgrade")
    assert [f for f in report["findings"] if f["rule"] == "upgrade-failed"] == []
    last = entry(report, "r006")["statements"]
    assert [s["line"] for s in last] == [
        line_of(paths["r006"], "op.add_column"),
        line_of(paths["r006"], "op.create_index"),
    ]
    assert {"relation": "orders", "mode": "AccessExclusiveLock"} in last[0]["locks"]
    assert {"relation": "orders", "mode": "ShareLock"} in last[1]["locks"]
    assert code == 1


def test_revisions_after_a_leaky_downgrade_are_traced_on_seeded_tables(project: Path) -> None:
    write_revision(project, "b2", "a1", 'op.add_column("orders", sa.Column("x", sa.Text()))')
    path = write_revision(
        project,
        "c3",
        "b2",
        'op.add_column("orders", sa.Column("status", sa.Text(), nullable=False))',
        'op.drop_column("orders", "status")',
    )
    code, report = trace(project, "b2", "c3", "--seed")
    assert entry(report, "b2")["downgrade"] == "not-reversible"
    assert entry(report, "c3")["upgrade"] == "failed"  # the restart seeded the rows again
    (failed,) = [f for f in report["findings"] if f["rule"] == "upgrade-failed"]
    assert failed["revision"] == "c3" and failed["line"] == line_of(path, "op.add_column")
    assert 'column "status" of relation "orders" contains null values' in failed["message"]
    assert entry(report, "b2")["seeded_tables"] == ["orders"] and code == 1


def test_each_step_starts_a_new_session_though_its_connection_is_reused(project: Path) -> None:
    # the engine env.py creates is reused from step to step (trace's speed): what a session
    # keeps (a temporary table, a setting) must not reach the next step
    session_state = 'op.execute("CREATE TEMP TABLE scratch (x int)")\nop.execute("SET ROLE NONE")'
    write_revision(project, "b2", "a1", session_state, session_state)
    code, report = trace(project, "b2")
    assert (entry(report, "b2")["upgrade"], entry(report, "b2")["downgrade"]) == ("ok", "ok")
    assert rules_of(report, "b2") == [] and code == 0


ASYNC_ENV_PY = """
import asyncio
import os

from alembic import context
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


def run(connection):
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()


async def main():
    url = make_url(os.environ["DATABASE_URL"]).set(drivername="postgresql+asyncpg")
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        await connection.run_sync(run)


asyncio.run(main())
"""


def test_an_async_env_py_is_traced_through_the_engine_reuse(project: Path) -> None:
    # create_async_engine goes through trace's reusing create_engine (each asyncio.run has a
    # loop of its own, so what works for a sync env.py must not break an async one)
    pytest.importorskip("asyncpg")
    (project / "migrations" / "env.py").write_text(ASYNC_ENV_PY)
    write_revision(
        project,
        "b2",
        "a1",
        'op.add_column("orders", sa.Column("x", sa.Text()))',
        'op.drop_column("orders", "x")',
    )
    code, report = trace(project, "b2")
    assert [(e["revision"], e["upgrade"], e["downgrade"]) for e in report["trace"]] == [
        ("b2", "ok", "ok")
    ]
    assert code == 0


def test_downgrades_that_do_nothing_hide_no_later_revision(tmp_path: Path) -> None:
    # `pass` downgrades leave the database as the upgrade made it: the job goes on from there
    root = make_project(tmp_path / "app")
    paths = {}
    down = None
    for revision, (upgrade, downgrade) in LINEAR.items():
        if revision in ("r002", "r004"):
            downgrade = "pass"
        paths[revision] = write_revision(root, revision, down, upgrade, downgrade)
        down = revision
    code, report = trace(root, "--all")
    assert [(e["revision"], e["upgrade"], e["downgrade"]) for e in report["trace"]] == [
        (revision, "ok", "not-reversible" if revision in ("r002", "r004") else "ok")
        for revision in LINEAR
    ]
    not_reversible = [
        (f["revision"], f["line"])
        for f in report["findings"]
        if f["rule"] == "downgrade-not-reversible"
    ]
    assert not_reversible == [
        ("r002", line_of(paths["r002"], "def downgrade")),
        ("r004", line_of(paths["r004"], "def downgrade")),
    ]
    last = entry(report, "r006")["statements"]
    assert [s["line"] for s in last] == [
        line_of(paths["r006"], "op.add_column"),
        line_of(paths["r006"], "op.create_index"),
    ]
    assert {"relation": "orders", "mode": "ShareLock"} in last[1]["locks"]
    assert [f for f in report["findings"] if f["rule"] == "upgrade-failed"] == [] and code == 1
