"""`--format`: every command prints one parseable document in JSON, or refuses a format it has
no form for with exit 2 and one line (before doing anything).

Run against a copy of the example backend in a real git repository; `new`, `drift`, `check`,
`trace` and the generating hook use the real throwaway PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from migration_guard.cli import COMMAND_FORMATS, FORMATS, build_parser
from tests.conftest import EXAMPLE, shared_cache
from tests.projects import git

pytestmark = pytest.mark.slow

HEAD = "e2b86d14f07a"
NEW_COLUMN = "    nickname: Mapped[str | None] = mapped_column(String(40))\n"

# One JSON run per command; a command added to the parser without a case fails the test.
JSON_CASES: dict[str, list[list[str]]] = {
    "heads": [["heads"], ["heads", "--base", "HEAD"]],
    "lint": [["lint"], ["lint", "--sql", "-"]],
    "new": [["new", "add language", "--runner", "local", "--dry-run"]],
    "hook": [["hook"], ["hook", "README.md"]],
    "check": [["check", "--base", "HEAD"]],
    "drift": [["drift"]],
    "rebase": [["rebase", "--base", "HEAD", "--dry-run"]],
    "fix": [["fix", HEAD, "--diff"]],
    "trace": [["trace", HEAD]],
    "rules": [["rules"], ["rules", "set-not-null"]],
    "install-hook": [["install-hook"]],
    "uninstall-hook": [["uninstall-hook"]],
    "init": [["init", "--force"]],  # rewrites pyproject.toml: runs last
}


def subcommands() -> list[str]:
    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return list(action.choices)
    raise AssertionError("no subcommands")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def guard(project: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ, MIGRATION_GUARD_CACHE=str(shared_cache()))
    environment.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--no-color", *args],
        cwd=project,
        capture_output=True,
        text=True,
        input=stdin,
        check=False,
        env=environment,
    )


def test_every_command_prints_one_json_document(project: Path) -> None:
    missing = [command for command in subcommands() if command not in JSON_CASES]
    assert not missing, f"add a --format json case for {missing}"
    for command in sorted(subcommands(), key=lambda command: command == "init"):
        for argv in JSON_CASES[command]:
            result = guard(project, "--format", "json", *argv, stdin="SELECT 1;\n")
            assert result.returncode in (0, 1), (argv, result.stderr)
            document = json.loads(result.stdout)  # nothing around the document
            assert isinstance(document, dict), argv


def test_new_in_json_is_the_whole_story_as_data(project: Path) -> None:
    before = set((project / "backend/alembic/versions").iterdir())
    result = guard(project, "--format", "json", "new", "add language", "--runner", "local")
    assert result.returncode == 1, result.stderr  # NOT NULL without default is an error
    document = json.loads(result.stdout)
    assert "1. What changed" in result.stderr  # the story went to stderr
    written = set((project / "backend/alembic/versions").iterdir()) - before
    assert len(written) == 1
    path = written.pop()
    assert document["path"] == path.relative_to(project).as_posix()
    assert document["revision"] in path.name
    assert document["down_revision"] == HEAD
    assert document["dry_run"] is False
    assert document["runner"]["name"] == "local"
    assert document["autogenerate"] == [
        "add column `documents.language` (VARCHAR(8), NOT NULL, no server default)"
    ]
    assert "op.add_column('documents'" in document["upgrade"]["source"]
    assert (
        "ALTER TABLE documents ADD COLUMN language VARCHAR(8) NOT NULL"
        in (document["upgrade"]["sql"])
    )
    assert "op.drop_column('documents', 'language')" in document["downgrade"]["source"]
    assert "ALTER TABLE documents DROP COLUMN language" in document["downgrade"]["sql"]
    [finding] = [f for f in document["findings"] if f["rule"] == "not-null-without-default"]
    assert set(finding) == {"rule", "severity", "revision", "path", "line", "message", "statement"}
    assert finding["path"] == document["path"]
    assert {"apply", "rollback", "test"} <= set(document["commands"])
    assert "upgrade head" in document["commands"]["apply"]
    # Nothing left to generate: one document saying so, no file.
    again = guard(project, "--format", "json", "new", "again", "--runner", "local")
    assert again.returncode == 0, again.stderr
    unchanged = json.loads(again.stdout)
    assert unchanged["changed"] is False
    assert unchanged["path"] is None and unchanged["revision"] is None
    assert unchanged["upgrade"] is None and unchanged["commands"] is None


def test_the_generating_hook_prints_the_new_document(project: Path) -> None:
    model = project / "backend/app/models/user.py"
    model.write_text(model.read_text() + NEW_COLUMN)
    git(project, "add", "backend/app/models/user.py")
    result = guard(project, "--format", "json", "hook", "backend/app/models/user.py")
    assert result.returncode == 1, result.stderr
    document = json.loads(result.stdout)
    assert document["model_changes"][0]["path"] == "backend/app/models/user.py"
    assert document["path"] is not None and (project / document["path"]).is_file()
    assert "commit stopped" in result.stderr


def test_new_in_sarif_is_the_lint_report_of_the_new_revision(project: Path) -> None:
    result = guard(
        project, "--format", "sarif", "new", "add language", "--runner", "local", "--dry-run"
    )
    assert result.returncode == 1, result.stderr
    sarif = json.loads(result.stdout)
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert "not-null-without-default" in rules


def test_rules_in_sarif_is_the_rule_table_without_results(project: Path) -> None:
    result = guard(project, "--format", "sarif", "rules")
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)["runs"][0]
    ids = {rule["id"] for rule in run["tool"]["driver"]["rules"]}
    assert {"not-null-without-default", "set-not-null"} <= ids
    assert run["results"] == []
    one = json.loads(guard(project, "--format", "sarif", "rules", "set-not-null").stdout)
    assert [rule["id"] for rule in one["runs"][0]["tool"]["driver"]["rules"]] == ["set-not-null"]


@pytest.mark.parametrize(
    ("command", "fmt"),
    [
        (command, fmt)
        for command, formats in COMMAND_FORMATS.items()
        for fmt in FORMATS
        if fmt not in formats
    ],
)
def test_a_format_a_command_has_no_form_for_is_refused(
    project: Path, command: str, fmt: str
) -> None:
    argv = JSON_CASES[command][-1]
    before = git(project, "status", "--porcelain", "--ignored")
    result = guard(project, "--format", fmt, *argv)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"migration-guard: error: {command} has no {fmt} output "
        f"(it prints {' or '.join(COMMAND_FORMATS[command])})"
    ]
    assert git(project, "status", "--porcelain", "--ignored") == before  # nothing was done
