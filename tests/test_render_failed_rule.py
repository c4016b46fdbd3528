"""``render-failed`` is a rule like the others: ``severity``, ``disable`` and suppressions apply."""

from __future__ import annotations

import json
from pathlib import Path

from tests.projects import add_revision, commit_all, git, init_repo, make_project, run_cli

# Reads the database in upgrade(): offline there is nothing to read, so the render fails.
# (Set-based, so python-data-migration has nothing to say: these tests are about render-failed.)
DATA_MIGRATION = """\
connection = op.get_bind()
oldest = connection.execute(sa.text("SELECT min(id) FROM audit_log")).scalar()
connection.execute(sa.text("DELETE FROM audit_log WHERE id < :id"), {"id": oldest + 100})
"""


def branch_with_data_migration(root: Path, pyproject: str) -> Path:
    """A branch adding a revision that reads the database, so it cannot be rendered offline."""
    make_project(root, pyproject='base = "main"\n' + pyproject)
    add_revision(root, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))")
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    path = add_revision(root, "b2", "a1", upgrade=DATA_MIGRATION)
    commit_all(root, "data migration")
    return path


def check_json(root: Path) -> tuple[int, dict]:
    result = run_cli(root, "--format", "json", "check")
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_render_failed_as_error_makes_check_fail_closed(tmp_path: Path) -> None:
    branch_with_data_migration(tmp_path, 'severity = {render-failed = "error"}\n')
    code, document = check_json(tmp_path)
    (finding,) = document["findings"]
    assert (finding["rule"], finding["severity"], finding["revision"]) == (
        "render-failed",
        "error",
        "b2",
    )
    assert code == 1


def test_render_failed_is_a_warning_in_lint_and_an_error_in_check(tmp_path: Path) -> None:
    """``check`` fails closed: a revision it could not judge fails it unless ``severity`` (or
    a suppression with a reason) says otherwise; plain ``lint`` keeps the rule's warning."""
    branch_with_data_migration(tmp_path, "")
    lint = run_cli(tmp_path, "--format", "json", "lint", "b2")
    assert [(f["rule"], f["severity"]) for f in json.loads(lint.stdout)["findings"]] == [
        ("render-failed", "warning")
    ]
    assert lint.returncode == 0
    code, document = check_json(tmp_path)
    assert [(f["rule"], f["severity"]) for f in document["findings"]] == [
        ("render-failed", "error")
    ]
    assert code == 1


def test_disabled_render_failed_reports_nothing(tmp_path: Path) -> None:
    branch_with_data_migration(tmp_path, 'disable = ["render-failed"]\n')
    code, document = check_json(tmp_path)
    assert (code, document["findings"]) == (0, [])


def test_the_suppression_the_help_suggests_silences_it(tmp_path: Path) -> None:
    path = branch_with_data_migration(tmp_path, 'severity = {render-failed = "error"}\n')
    suggested = "# migration-guard: ignore[render-failed]"
    assert suggested in run_cli(tmp_path, "check").stdout
    source = path.read_text()
    docstring_end = source.index('"""\n', 3) + 4
    path.write_text(
        source[:docstring_end]
        + suggested
        + " data migration, reviewed by hand\n"
        + source[docstring_end:]
    )
    commit_all(tmp_path, "suppress")
    code, document = check_json(tmp_path)
    assert (code, document["findings"]) == (0, [])


def test_a_suppression_without_reason_still_silences_but_is_reported(tmp_path: Path) -> None:
    path = branch_with_data_migration(tmp_path, 'severity = {render-failed = "error"}\n')
    path.write_text("# migration-guard: ignore[render-failed]\n" + path.read_text())
    commit_all(tmp_path, "suppress without a reason")
    code, document = check_json(tmp_path)
    assert [(f["rule"], f["severity"], f["line"]) for f in document["findings"]] == [
        ("suppression-without-reason", "warning", 1)
    ]
    assert code == 0


def _history_with_unimportable_revision(root: Path, line: str) -> None:
    """a1 → b2 (whose module-level ``line`` raises on import) → c3 (deletes from audit_log)."""
    make_project(root)
    add_revision(root, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))")
    b2 = add_revision(root, "b2", "a1", upgrade="op.add_column('t', sa.Column('x', sa.Integer()))")
    b2.write_text(
        b2.read_text().replace("import sqlalchemy as sa\n", f"import sqlalchemy as sa\n{line}\n")
    )
    add_revision(root, "c3", "b2", upgrade='op.execute("DELETE FROM audit_log")')


def test_a_revision_that_cannot_be_imported_is_render_failed_and_the_others_are_linted(
    tmp_path: Path,
) -> None:
    _history_with_unimportable_revision(tmp_path, "from app.helpers import backfill")
    result = run_cli(tmp_path, "--format", "json", "lint", "--all")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr  # c3's DELETE on audit_log, not exit 3
    findings = json.loads(result.stdout)["findings"]
    failed = [f for f in findings if f["rule"] == "render-failed"]
    assert [(f["revision"], f["line"]) for f in failed] == [("b2", 8)]
    assert "cannot be imported: ModuleNotFoundError: No module named 'app'" in failed[0]["message"]
    text = run_cli(tmp_path, "lint", "b2").stdout
    assert "help: install the application and its dependencies in this job so `app` imports" in text
    assert ("c3", "audit-log-delete") in {(f["revision"], f["rule"]) for f in findings}
    assert not [f for f in findings if f["revision"] == "a1"]


def test_an_unimportable_ancestor_does_not_stop_the_lint_of_a_later_revision(
    tmp_path: Path,
) -> None:
    _history_with_unimportable_revision(tmp_path, "HELPERS = undefined_name")
    result = run_cli(tmp_path, "--format", "json", "lint", "c3")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)["findings"]
    assert {(f["revision"], f["rule"]) for f in findings} >= {("c3", "audit-log-delete")}
    assert not [f for f in findings if f["rule"] == "render-failed"]
