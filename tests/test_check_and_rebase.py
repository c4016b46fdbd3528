"""``check`` and ``rebase`` on real git repositories that simulate pull requests."""

from __future__ import annotations

import json
from pathlib import Path

from tests.projects import add_revision, commit_all, git, init_repo, make_project, run_cli


def base_repo(root: Path) -> Path:
    make_project(root, pyproject='base = "main"\n')
    add_revision(root, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))")
    add_revision(root, "b2", "a1", upgrade="op.add_column('t', sa.Column('x', sa.Integer()))")
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    return root


def check_json(root: Path, *args: str) -> tuple[int, dict]:
    result = run_cli(root, "--format", "json", "check", *args)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def make_stale(root: Path) -> None:
    add_revision(root, "c3", "b2", upgrade="op.add_column('t', sa.Column('y', sa.Integer()))")
    commit_all(root, "feature adds c3")
    git(root, "checkout", "-q", "main")
    add_revision(root, "d4", "b2", upgrade="op.add_column('t', sa.Column('z', sa.Integer()))")
    commit_all(root, "main gains d4")
    git(root, "checkout", "-q", "feature")


def test_fresh_branch_is_clean_and_lints_only_new_revisions(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    add_revision(root, "c3", "b2", upgrade="op.add_column('t', sa.Column('y', sa.Integer()))")
    commit_all(root, "feature adds c3")
    code, document = check_json(root)
    assert code == 0
    assert document == {"heads": ["c3"], "problems": [], "findings": [], "revisions": ["c3"]}


def test_stale_branch_names_the_fix(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    make_stale(root)
    code, document = check_json(root, "--base", "main")
    assert code == 1
    (problem,) = document["problems"]
    assert problem["code"] == "not-on-base-head"
    assert problem["path"] == "migrations/versions/c3.py"
    assert (
        "c3" in problem["message"] and "b2" in problem["message"] and "'d4'" in problem["message"]
    )


def test_branch_adding_a_second_head(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    add_revision(root, "c3", "b2")
    add_revision(root, "e5", "a1")
    commit_all(root, "two new heads")
    code, document = check_json(root)
    assert code == 1
    codes = sorted(problem["code"] for problem in document["problems"])
    assert codes == ["multiple-heads", "not-on-base-head"]


def test_branch_deleting_from_audit_log_is_found_with_file_and_line(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    path = add_revision(
        root, "c3", "b2", upgrade="op.execute('DELETE FROM audit_log WHERE id < 10')"
    )
    commit_all(root, "cleanup")
    code, document = check_json(root)
    assert code == 1
    (finding,) = document["findings"]
    assert finding["rule"] == "audit-log-delete"
    assert finding["path"] == "migrations/versions/c3.py"
    expected = next(
        n for n, text in enumerate(path.read_text().splitlines(), 1) if "op.execute" in text
    )
    assert finding["line"] == expected


def test_github_format_annotates_the_file(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    add_revision(root, "c3", "b2", upgrade="op.execute('TRUNCATE audit_log')")
    commit_all(root, "cleanup")
    result = run_cli(root, "--format", "github", "check")
    assert result.returncode == 1
    annotation = next(line for line in result.stdout.splitlines() if line.startswith("::error "))
    assert "file=migrations/versions/c3.py" in annotation
    assert "line=" in annotation


def test_summary_and_sarif_in_the_same_run(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    add_revision(root, "c3", "b2", upgrade="op.execute('TRUNCATE audit_log')")
    commit_all(root, "cleanup")
    summary, sarif = tmp_path / "summary.md", tmp_path / "out" / "report.sarif"
    result = run_cli(root, "--summary-file", str(summary), "--sarif-file", str(sarif), "check")
    assert result.returncode == 1
    assert "TRUNCATE audit_log" in summary.read_text()
    document = json.loads(sarif.read_text())
    assert document["runs"][0]["results"][0]["ruleId"] == "audit-log-delete"


def test_missing_base_ref_names_the_fetch(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    result = run_cli(root, "check", "--base", "origin/release")
    assert result.returncode == 2
    assert "git fetch origin release" in result.stderr
    assert result.stderr.count("\n") == 1


def test_shallow_clone_without_merge_base_is_exit_2(tmp_path: Path) -> None:
    origin = base_repo(tmp_path / "origin")
    add_revision(origin, "c3", "b2")
    commit_all(origin, "feature adds c3")
    git(origin, "checkout", "-q", "main")
    add_revision(origin, "d4", "b2")
    commit_all(origin, "main moves on")
    clone = tmp_path / "clone"
    git(
        tmp_path,
        "clone",
        "-q",
        "--depth",
        "1",
        "--branch",
        "feature",
        f"file://{origin}",
        str(clone),
    )
    git(clone, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
    result = run_cli(clone, "check", "--base", "origin/main")
    assert result.returncode == 2
    assert "shallow" in result.stderr
    assert "Traceback" not in result.stderr


def test_rebase_fixes_a_stale_branch_so_check_passes(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    make_stale(root)
    git(root, "merge", "-q", "main", "-m", "merge main")
    path = root / "migrations" / "versions" / "c3.py"
    before = path.read_text()
    result = run_cli(root, "rebase", "--base", "main")
    assert result.returncode == 0, result.stderr
    assert "-down_revision = 'b2'" in result.stdout and "+down_revision = 'd4'" in result.stdout
    after = path.read_text()
    assert "down_revision = 'd4'" in after
    assert "Revises: d4" in after
    # nothing else changed
    assert after.replace("'d4'", "'b2'").replace("Revises: d4", "Revises: b2") == before
    code, document = check_json(root, "--base", "main")
    assert (code, document["problems"]) == (0, [])


def test_rebase_dry_run_writes_nothing(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    make_stale(root)
    git(root, "merge", "-q", "main", "-m", "merge main")
    path = root / "migrations" / "versions" / "c3.py"
    before = path.read_text()
    result = run_cli(root, "rebase", "--base", "main", "--dry-run")
    assert result.returncode == 0
    assert "+down_revision = 'd4'" in result.stdout
    assert path.read_text() == before


def test_rebase_rewrites_only_the_first_of_a_chain(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    add_revision(root, "c3", "b2")
    add_revision(root, "c4", "c3")
    commit_all(root, "two in a chain")
    git(root, "checkout", "-q", "main")
    add_revision(root, "d4", "b2")
    commit_all(root, "main gains d4")
    git(root, "checkout", "-q", "feature")
    git(root, "merge", "-q", "main", "-m", "merge main")
    second = (root / "migrations" / "versions" / "c4.py").read_text()
    assert run_cli(root, "rebase", "--base", "main").returncode == 0
    assert "down_revision = 'd4'" in (root / "migrations" / "versions" / "c3.py").read_text()
    assert (root / "migrations" / "versions" / "c4.py").read_text() == second


def test_rebase_refuses_a_file_with_unstaged_edits(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    make_stale(root)
    git(root, "merge", "-q", "main", "-m", "merge main")
    path = root / "migrations" / "versions" / "c3.py"
    path.write_text(path.read_text() + "\n# work in progress\n")
    edited = path.read_text()
    result = run_cli(root, "rebase", "--base", "main")
    assert result.returncode == 2
    assert "c3.py" in result.stderr and "edits" in result.stderr
    assert path.read_text() == edited


def test_rebase_refuses_a_file_with_staged_edits(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    make_stale(root)
    git(root, "merge", "-q", "main", "-m", "merge main")
    path = root / "migrations" / "versions" / "c3.py"
    path.write_text(path.read_text() + "\n# staged\n")
    git(root, "add", str(path))
    result = run_cli(root, "rebase", "--base", "main")
    assert result.returncode == 2
    assert "c3.py" in result.stderr and "edits" in result.stderr


def test_rebase_with_nothing_to_do(tmp_path: Path) -> None:
    root = base_repo(tmp_path)
    add_revision(root, "c3", "b2")
    commit_all(root, "fresh")
    result = run_cli(root, "rebase")
    assert result.returncode == 0
    assert "nothing to rebase" in result.stdout


def test_annotations_and_sarif_are_relative_to_the_repository_root(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    project = repository / "services" / "api"
    project.mkdir(parents=True)
    make_project(project, pyproject='base = "main"\n')
    add_revision(project, "a1", None)
    init_repo(repository)
    git(repository, "checkout", "-q", "-b", "feature")
    add_revision(project, "b2", "a1", upgrade="op.execute('TRUNCATE audit_log')")
    commit_all(repository, "b2")
    sarif = tmp_path / "report.sarif"
    result = run_cli(project, "--format", "github", "--sarif-file", str(sarif), "check")
    assert result.returncode == 1
    assert "file=services/api/migrations/versions/b2.py" in result.stdout
    location = json.loads(sarif.read_text())["runs"][0]["results"][0]["locations"][0]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == (
        "services/api/migrations/versions/b2.py"
    )
    as_json = run_cli(project, "--format", "json", "check")
    assert json.loads(as_json.stdout)["findings"][0]["path"] == "migrations/versions/b2.py"
