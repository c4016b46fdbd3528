"""``check`` fails closed: nothing goes unjudged, every output is written whatever one stage hit.

The stories of issue 19 (items 5, 6, 7) and 20 (item 1), on real git repositories, the real
Alembic and the real throwaway PostgreSQL: a revision that fails to upgrade is a finding at its
line (not exit 3 with nothing reported), every SARIF result carries a location, a revision that
cannot be rendered offline is linted from its execution, and one that cannot be judged either
way fails the check.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import EXAMPLE
from tests.projects import add_revision, commit_all, git, init_repo, make_project, run_cli

pytestmark = pytest.mark.slow

HEAD = "e2b86d14f07a"
VERSIONS = "backend/alembic/versions"
MODELS = "backend/app/models"
BROKEN_REVISION = f'''"""purge the audit events

Revision ID: 0007purge
Revises: {HEAD}
"""
from alembic import op

revision = "0007purge"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM audit_events")


def downgrade():
    pass
'''
BROKEN_LINE = 15


def example_branch(tmp_path: Path) -> Path:
    """The example backend (one pending column: drift) on main, a branch adding a revision that
    deletes from a table no revision creates."""
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('base = "origin/main"', 'base = "main"'))
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    (root / VERSIONS / "0007_purge.py").write_text(BROKEN_REVISION)
    commit_all(root, "purge")
    return root


def run_check(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )


def assert_every_result_located(document: dict[str, Any]) -> list[dict[str, Any]]:
    """GitHub code scanning rejects a whole upload when one result has no location."""
    results: list[dict[str, Any]] = document["runs"][0]["results"]
    for result in results:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"], result
        assert physical["region"]["startLine"] >= 1, result
    return results


def test_a_revision_failing_on_an_empty_database_is_a_finding_and_every_output_is_written(
    tmp_path: Path,
) -> None:
    root = example_branch(tmp_path)
    summary, sarif = tmp_path / "summary.md", tmp_path / "out" / "report.sarif"
    result = run_check(
        root,
        "--format",
        "github",
        "--summary-file",
        str(summary),
        "--sarif-file",
        str(sarif),
        "check",
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stdout + result.stderr
    annotations = [line for line in result.stdout.splitlines() if line.startswith("::error ")]
    failed = [line for line in annotations if "upgrade-failed" in line]
    assert len(failed) == 1, annotations
    assert f"file={VERSIONS}/0007_purge.py,line={BROKEN_LINE}," in failed[0]
    assert 'relation "audit_events" does not exist' in failed[0]
    # the drift of the rest is still judged: the example's pending column, at its model line
    drifting = [line for line in annotations if "models-without-migration" in line]
    assert len(drifting) == 1, annotations
    assert f"file={MODELS}/document.py,line=" in drifting[0]
    assert "add column documents.language" in drifting[0]
    written = summary.read_text()
    assert "upgrade-failed" in written and "add column documents.language" in written
    results = assert_every_result_located(json.loads(sarif.read_text()))
    assert sorted(r["ruleId"] for r in results) == [
        "models-without-migration",
        "upgrade-failed",
        "whole-table-update",  # lint of the same revision: a DELETE without WHERE
    ]


def test_the_drift_command_reports_the_failing_revision_too(tmp_path: Path) -> None:
    root = example_branch(tmp_path)
    result = run_check(root, "--format", "json", "drift")
    assert result.returncode == 1, result.stderr
    problems = json.loads(result.stdout)["problems"]
    assert [(p["code"], p["path"], p.get("line")) for p in problems] == [
        ("upgrade-failed", f"{VERSIONS}/0007_purge.py", BROKEN_LINE),
        ("models-without-migration", f"{MODELS}/document.py", 48),
    ]


def test_every_sarif_result_of_a_drifting_check_has_a_location(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    init_repo(root)
    # a model the migrations lack entirely, and a table the migrations create that the models
    # lack: each direction of drift, each located
    (root / MODELS / "audit_log.py").unlink()
    init = root / MODELS / "__init__.py"
    init.write_text(
        "\n".join(line for line in init.read_text().splitlines() if "audit_log" not in line) + "\n"
    )
    commit_all(root, "drop the audit model")
    result = run_check(root, "--format", "sarif", "check", "--base", "main")
    assert result.returncode == 1, result.stderr
    results = assert_every_result_located(json.loads(result.stdout))
    by_message = {r["message"]["text"]: r for r in results}
    dropped = next(r for text, r in by_message.items() if text.startswith("drop table audit_log"))
    # no model holds the table: the location is the revision that created it
    physical = dropped["locations"][0]["physicalLocation"]
    assert (physical["artifactLocation"]["uri"], physical["region"]["startLine"]) == (
        f"{VERSIONS}/0003_create_audit_log.py",
        25,
    )
    text_run = run_check(root, "check", "--base", "main")
    assert (
        f"{VERSIONS}/0003_create_audit_log.py:25: models-without-migration: drop table audit_log"
        in text_run.stdout
    )
    # a migration that creates what the models lack is not fixed by generating a revision
    help_line = text_run.stdout.split("drop table audit_log", 1)[1].splitlines()[1]
    assert "migration-guard new" not in help_line
    assert "add it to the models" in help_line


def test_json_drift_problems_carry_the_model_line(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    init_repo(root)
    result = run_check(root, "--format", "json", "drift")
    (problem,) = json.loads(result.stdout)["problems"]
    assert (problem["path"], problem["line"]) == (f"{MODELS}/document.py", 48)


DATA_DEPENDENT = """\
conn = op.get_bind()
count = conn.execute(sa.text("SELECT count(*) FROM t")).scalar()
if count == 0:
    op.create_index("ix_t_x", "t", ["x"])
columns = [column["name"] for column in sa.inspect(op.get_bind()).get_columns("t")]
if "y" not in columns:
    op.add_column("t", sa.Column("y", sa.Integer(), nullable=False))
"""


def data_branch(root: Path, upgrade: str, pyproject: str = "") -> Path:
    make_project(root, pyproject='base = "main"\n' + pyproject)
    add_revision(
        root,
        "a1",
        None,
        upgrade="op.create_table('t', sa.Column('id', sa.Integer()), sa.Column('x', sa.Integer()))",
    )
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    path = add_revision(root, "b2", "a1", upgrade=upgrade)
    commit_all(root, "data migration")
    return path


def test_a_revision_reading_the_database_is_linted_from_its_execution(tmp_path: Path) -> None:
    data_branch(tmp_path, DATA_DEPENDENT)
    result = run_cli(tmp_path, "--format", "json", "lint", "b2")
    assert "Traceback" not in result.stderr, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["line"]) for f in findings] == [
        ("index-not-concurrent", 17),
        ("not-null-without-default", 20),
    ], findings
    for finding in findings:
        assert finding["judged_from"] == "execution"
        assert finding["message"].endswith("(judged from execution: not renderable offline)")
    assert result.returncode == 1  # not-null-without-default is an error
    sarif = json.loads(run_cli(tmp_path, "--format", "sarif", "lint", "b2").stdout)
    for located in assert_every_result_located(sarif):
        assert located["properties"]["judgedFrom"] == "execution"
    check = run_cli(tmp_path, "--format", "json", "check")
    assert check.returncode == 1, check.stderr
    assert "render-failed" not in {f["rule"] for f in json.loads(check.stdout)["findings"]}


def test_a_revision_neither_rendered_nor_run_fails_the_check_with_the_real_cause(
    tmp_path: Path,
) -> None:
    reads_missing = (
        "rows = op.get_bind().execute(sa.text('SELECT id FROM legacy_rows')).fetchall()\n"
        "for row in rows:\n"
        "    op.execute(sa.text('DELETE FROM t WHERE id = :id').bindparams(id=row.id))\n"
    )
    data_branch(tmp_path, reads_missing)
    lint = run_cli(tmp_path, "--format", "json", "lint", "b2")
    # the revision file is still read: its loop deleting row by row is a Python data migration
    finding, python_data = json.loads(lint.stdout)["findings"]
    assert (finding["rule"], finding["severity"], finding["line"]) == (
        "render-failed",
        "warning",
        14,
    )
    assert 'relation "legacy_rows" does not exist' in finding["message"]
    assert "offline mode" not in finding["message"]
    assert (python_data["rule"], python_data["line"], python_data["message"]) == (
        "python-data-migration",
        15,
        "upgrade() loops over rows in Python: it changes rows one at a time, unbatched, "
        "inside the migration's transaction.",
    )
    assert lint.returncode == 0
    check = run_cli(tmp_path, "--format", "json", "check")
    finding, python_data = json.loads(check.stdout)["findings"]
    assert (finding["rule"], finding["severity"]) == ("render-failed", "error")
    assert (python_data["rule"], python_data["severity"]) == ("python-data-migration", "warning")
    assert check.returncode == 1


def test_a_configured_severity_still_decides_in_check(tmp_path: Path) -> None:
    data_branch(
        tmp_path,
        "op.get_bind().execute(sa.text('SELECT id FROM legacy_rows')).fetchall()",
        'severity = {render-failed = "warning"}\n',
    )
    check = run_cli(tmp_path, "--format", "json", "check")
    (finding,) = json.loads(check.stdout)["findings"]
    assert (finding["rule"], finding["severity"]) == ("render-failed", "warning")
    assert check.returncode == 0


def test_a_revision_importing_a_missing_module_fails_the_check_naming_it(tmp_path: Path) -> None:
    path = data_branch(tmp_path, "op.add_column('t', sa.Column('z', sa.Integer()))")
    path.write_text(
        path.read_text().replace(
            "import sqlalchemy as sa\n", "import sqlalchemy as sa\nfrom app.helpers import fill\n"
        )
    )
    commit_all(tmp_path, "import the app")
    check = run_cli(tmp_path, "--format", "json", "check")
    assert check.returncode == 1, check.stderr
    (finding,) = json.loads(check.stdout)["findings"]
    assert (finding["rule"], finding["severity"], finding["line"]) == ("render-failed", "error", 8)
    assert "module `app` is not installed where migration-guard runs" in finding["message"]
    assert "offline mode" not in finding["message"]
    text = run_cli(tmp_path, "check").stdout
    assert "help: install the application and its dependencies in this job" in text


def test_parameters_given_to_execute_are_rendered_with_their_values(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade="op.create_table('t', sa.Column('id', sa.Integer()), sa.Column('active', sa.Boolean()))",
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade=(
            'op.execute(sa.text("UPDATE t SET active = :v").bindparams(v=True))\n'
            'op.get_bind().execute(sa.text("UPDATE t SET active = :v WHERE id = :i"), {"v": True, "i": 1})\n'
            'op.get_bind().execute(sa.text("UPDATE t SET active = :v WHERE id = :i"), '
            '[{"v": False, "i": 2}, {"v": True, "i": 3}])\n'
        ),
    )
    result = run_cli(tmp_path, "--format", "json", "lint", "b2")
    assert "Traceback" not in result.stderr, result.stderr
    statements = [(f["line"], f["statement"]) for f in json.loads(result.stdout)["findings"]]
    assert statements == [(14, "UPDATE t SET active = true;")]
    summary = tmp_path / "summary.md"
    run_cli(tmp_path, "--summary-file", str(summary), "lint", "b2")
    written = summary.read_text()
    assert "UPDATE t SET active = true WHERE id = 1;" in written
    assert "UPDATE t SET active = false WHERE id = 2;" in written
    assert "UPDATE t SET active = true WHERE id = 3;" in written
    assert "NULL" not in written


def test_a_stage_that_cannot_run_still_lets_every_output_be_written(tmp_path: Path) -> None:
    """The models import a module CI lacks: drift cannot run, and lint (env.py imports the
    models) cannot judge the new revision; both are said in every output, naming the module
    and the fix, then the one line and drift's exit code."""
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    pyproject = root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('base = "origin/main"', 'base = "main"'))
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    model = root / MODELS / "document.py"
    model.write_text("import billing_client\n" + model.read_text())
    (root / VERSIONS / "0007_purge.py").write_text(
        BROKEN_REVISION.replace("audit_events", "audit_log")
    )
    commit_all(root, "purge the audit log, models need billing_client")
    summary, sarif = tmp_path / "summary.md", tmp_path / "report.sarif"
    result = run_check(
        root,
        "--format",
        "github",
        "--summary-file",
        str(summary),
        "--sarif-file",
        str(sarif),
        "check",
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("migration-guard: error: the drift check could not run: ")
    assert f"{MODELS}/document.py:1" in last
    assert "module `billing_client` is not installed where migration-guard runs" in last
    assert "pip install" in last
    annotations = result.stdout.splitlines()
    assert any(
        line.startswith("::error title=migration-guard%3A not checked::the drift check")
        for line in annotations
    ), annotations
    errors = [row for row in annotations if row.startswith("::error file=")]
    (unjudged,) = [row for row in errors if "render-failed" in row]
    assert unjudged.startswith(f"::error file={VERSIONS}/0007_purge.py,line=1,")
    assert "module `billing_client` is not installed where migration-guard runs" in unjudged
    assert "offline mode" not in unjudged
    written = summary.read_text()
    assert "### Not checked" in written and "render-failed" in written
    assert "## ❌ migration-guard: 1 error in 1 revision; 1 stage not checked" in written
    document = json.loads(sarif.read_text())
    assert [r["ruleId"] for r in assert_every_result_located(document)] == ["render-failed"]
    assert document["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_the_module_named_is_the_one_that_decided() -> None:
    from migration_guard.drift.compare import missing_module

    both = (
        "it could not be rendered offline (ModuleNotFoundError: No module named 'psycopg') and "
        "it could not be run on PostgreSQL: ModuleNotFoundError: No module named 'app.models'"
    )
    assert missing_module(both) == "app"
    assert missing_module("NameError: name 'x' is not defined") is None
