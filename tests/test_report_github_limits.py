"""``--format github`` within GitHub's limits: at most 10 error and 10 warning annotations, a
notice for the rest, and only the lines the pull request changed when a base is known."""

from __future__ import annotations

import json
import re
from pathlib import Path

from migration_guard.findings import Finding, Problem, Report
from migration_guard.report import github
from tests.projects import add_revision, commit_all, git, init_repo, make_project, run_cli
from tests.test_report_github import parse_command

ANNOTATION = re.compile(r"::(error|warning|notice)[ :]")


def annotations(output: str) -> list[tuple[str, dict[str, str], str]]:
    fence = output.index("::stop-commands::")
    return [parse_command(line) for line in output[:fence].splitlines() if ANNOTATION.match(line)]


def finding(rule: str, severity: str, path: str, line: int) -> Finding:
    return Finding(rule, severity, f"{rule} here", revision="r", path=path, line=line)  # type: ignore[arg-type]


def test_at_most_ten_of_each_severity_then_one_notice() -> None:
    errors = [finding("drop-database", "error", "b.py", n) for n in range(1, 14)]
    errors += [finding("audit-log-delete", "error", "z.py", n) for n in range(1, 4)]
    warnings = [finding("drop-column", "warning", "a.py", n) for n in range(12, 0, -1)]
    report = Report("lint", findings=tuple(warnings + errors))
    shown = annotations(github.render(report, token="T"))
    kinds = [name for name, _, _ in shown]
    assert kinds == ["error"] * 10 + ["warning"] * 10 + ["notice"]
    # errors first; a seed rule before the others; then by file and line
    first = [(props["title"], props["file"], props["line"]) for _, props, _ in shown[:4]]
    assert first == [
        ("migration-guard: audit-log-delete", "z.py", "1"),
        ("migration-guard: audit-log-delete", "z.py", "2"),
        ("migration-guard: audit-log-delete", "z.py", "3"),
        ("migration-guard: drop-database", "b.py", "1"),
    ]
    assert [props["line"] for _, props, _ in shown[10:20]] == [str(n) for n in range(1, 11)]
    notice = shown[-1]
    assert "file" not in notice[1]
    assert "8 more findings" in notice[2]  # 6 errors and 2 warnings over the limits
    assert "job summary" in notice[2]


def test_graph_problems_are_errors_and_come_first() -> None:
    problems = tuple(Problem("multiple-heads", f"heads {n}") for n in range(3))
    errors = tuple(finding("audit-log-delete", "error", "a.py", n) for n in range(1, 10))
    shown = annotations(
        github.render(Report("check", problems=problems, findings=errors), token="T")
    )
    titles = [props["title"] for _, props, _ in shown]
    assert titles[:3] == ["migration-guard: multiple-heads"] * 3
    assert len([name for name, _, _ in shown if name == "error"]) == 10
    assert "2 more findings" in shown[-1][2]


def test_no_notice_within_the_limits() -> None:
    report = Report(
        "lint", findings=tuple(finding("drop-column", "warning", "a.py", n) for n in range(1, 11))
    )
    assert [name for name, _, _ in annotations(github.render(report, token="T"))] == [
        "warning"
    ] * 10


def test_the_log_and_the_summary_still_list_every_finding(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(
        tmp_path, "a1", None, upgrade="op.create_table('audit_log', sa.Column('id', sa.Integer()))"
    )
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="\n".join(f"op.execute('DELETE FROM audit_log WHERE id = {n}')" for n in range(12)),
    )
    summary = tmp_path / "summary.md"
    result = run_cli(tmp_path, "--format", "github", "--summary-file", str(summary), "lint")
    shown = annotations(result.stdout)
    assert [name for name, _, _ in shown] == ["error"] * 10 + ["notice"]
    assert "2 more findings" in shown[-1][2]
    assert result.stdout.count("[audit-log-delete]") == 12  # the readable log below the fence
    assert summary.read_text().count("audit-log-delete") >= 12
    assert result.returncode == 1


def branch_that_edits_an_existing_revision_file(root: Path) -> Path:
    """main has a revision file; the branch gives it a new id and adds one operation to it, so
    only those lines are the pull request's (the DELETE above them is not)."""
    make_project(root)
    add_revision(
        root,
        "a1",
        None,
        upgrade="op.create_table('audit_log', sa.Column('id', sa.Integer()), sa.Column('legacy', sa.Text()))",
    )
    path = add_revision(
        root,
        "b2",
        "a1",
        upgrade="op.execute('DELETE FROM audit_log WHERE id < 10')",
        filename="b2_prune.py",
    )
    init_repo(root)
    git(root, "checkout", "-q", "-b", "feature")
    source = path.read_text()
    assert "revision = 'b2'" in source
    source = source.replace("revision = 'b2'", "revision = 'c3'")
    source = source.replace(
        "    op.execute('DELETE FROM audit_log WHERE id < 10')\n",
        "    op.execute('DELETE FROM audit_log WHERE id < 10')\n    op.drop_column('audit_log', 'legacy')\n",
    )
    path.write_text(source)
    commit_all(root, "re-id the revision and drop a column")
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_with_a_base_only_changed_lines_are_annotated(tmp_path: Path) -> None:
    path = branch_that_edits_an_existing_revision_file(tmp_path)
    summary = tmp_path / "summary.md"
    result = run_cli(
        tmp_path, "--format", "github", "--summary-file", str(summary), "lint", "--base", "main"
    )
    shown = annotations(result.stdout)
    assert [(name, props.get("title"), props.get("line")) for name, props, _ in shown[:-1]] == [
        ("warning", "migration-guard: drop-column", str(line_of(path, "op.drop_column"))),
    ]
    assert shown[-1][0] == "notice"
    assert "1 more finding" in shown[-1][2]
    assert "does not change" in shown[-1][2]
    # the unchanged DELETE still fails the job and is in the summary and the JSON
    assert result.returncode == 1
    assert "audit-log-delete" in summary.read_text()
    document = json.loads(run_cli(tmp_path, "--format", "json", "lint", "--base", "main").stdout)
    assert {f["rule"] for f in document["findings"]} == {"audit-log-delete", "drop-column"}


def test_check_annotates_every_line_of_a_new_revision_file(tmp_path: Path) -> None:
    make_project(tmp_path, pyproject='base = "main"\ndrift = false\n')
    add_revision(
        tmp_path,
        "a1",
        None,
        upgrade="op.create_table('audit_log', sa.Column('id', sa.Integer()), sa.Column('legacy', sa.Text()))",
    )
    init_repo(tmp_path)
    git(tmp_path, "checkout", "-q", "-b", "feature")
    add_revision(
        tmp_path,
        "b2",
        "a1",
        upgrade="op.execute('DELETE FROM audit_log WHERE id < 10')\nop.drop_column('audit_log', 'legacy')",
    )
    commit_all(tmp_path, "new revision")
    result = run_cli(tmp_path, "--format", "github", "check")
    assert [props.get("title") for _, props, _ in annotations(result.stdout)] == [
        "migration-guard: audit-log-delete",
        "migration-guard: drop-column",
    ]
    assert result.returncode == 1
