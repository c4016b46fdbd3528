"""The commit hook end to end: real git, real pre-commit, real PostgreSQL, real Alembic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, REPO_ROOT, shared_cache

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
LANGUAGE_LINE = "    language: Mapped[str] = mapped_column(String(8), nullable=False)\n"
MODEL = "backend/app/models/document.py"
VERSIONS = "backend/alembic/versions"


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def environment(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    env["MIGRATION_GUARD_CACHE"] = str(shared_cache())
    env.pop("DATABASE_URL", None)
    return env


def hooks_repo(tmp_path: Path) -> tuple[Path, str]:
    """A git repo holding this checkout's .pre-commit-hooks.yaml, as pre-commit clones it."""
    repo = tmp_path / "hooks-repo"
    repo.mkdir()
    shutil.copy(REPO_ROOT / ".pre-commit-hooks.yaml", repo / ".pre-commit-hooks.yaml")
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "hooks")
    return repo, git(repo, "rev-parse", "HEAD").stdout.strip()


def project_repo(tmp_path: Path, *, pending_column: bool = False) -> Path:
    """The example backend in a fresh repo, its models matching head (language column removed)."""
    repo = tmp_path / "project"
    shutil.copytree(EXAMPLE, repo, ignore=shutil.ignore_patterns("__pycache__"))
    model = repo / MODEL
    text = model.read_text()
    assert LANGUAGE_LINE in text
    if not pending_column:
        model.write_text(text.replace(LANGUAGE_LINE, ""))
    hooks, rev = hooks_repo(tmp_path)
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {hooks}\n    rev: {rev}\n    hooks:\n      - id: gen-migration\n        verbose: true\n"
    )
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "initial")
    return repo


def install(repo: Path, env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "pre-commit"), "install"], cwd=repo, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True, text=True
    )


def revision_files(repo: Path) -> set[str]:
    return {path.name for path in (repo / VERSIONS).glob("*.py")}


def test_model_change_stops_the_commit_then_the_finding_stops_the_next(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    env = environment(tmp_path)
    install(repo, env)
    before = revision_files(repo)
    model = repo / MODEL
    model.write_text(model.read_text() + "")
    text = model.read_text().replace(
        "    updated_at:", LANGUAGE_LINE.replace("    ", "    ", 1) + "    updated_at:", 1
    )
    model.write_text(text)
    git(repo, "add", MODEL)

    first = commit(repo, env, "add language")
    output = first.stdout + first.stderr
    assert first.returncode != 0, output
    new = revision_files(repo) - before
    assert len(new) == 1, output
    path = repo / VERSIONS / new.pop()
    source = path.read_text()
    assert "down_revision: Union[str, Sequence[str], None] = 'e2b86d14f07a'" in source or (
        "down_revision = 'e2b86d14f07a'" in source
    )
    assert "op.add_column('documents', sa.Column('language'" in source
    assert "ALTER TABLE documents ADD COLUMN language VARCHAR(8) NOT NULL" in output
    assert "not-null-without-default" in output
    assert f"git add {VERSIONS}/{path.name}" in output
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1  # nothing committed
    assert path.name not in git(repo, "diff", "--cached", "--name-only").stdout  # left unstaged

    git(repo, "add", str(path.relative_to(repo)))
    second = commit(repo, env, "add language")
    output = second.stdout + second.stderr
    assert second.returncode != 0, output  # the demo: NOT NULL without default is an error
    assert "not-null-without-default" in output
    assert revision_files(repo) - before == {path.name}  # nothing new generated


def test_docstring_only_edit_commits_and_leaves_no_file(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    env = environment(tmp_path)
    install(repo, env)
    before = revision_files(repo)
    model = repo / MODEL
    model.write_text(model.read_text().replace('"""Documents:', '"""The documents:', 1))
    git(repo, "add", MODEL)
    result = commit(repo, env, "reword docstring")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "needs no migration" in result.stdout + result.stderr
    assert revision_files(repo) == before
    assert git(repo, "status", "--porcelain").stdout == ""


def test_partially_staged_model_generates_from_the_staged_part(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    env = environment(tmp_path)
    install(repo, env)
    before = revision_files(repo)
    model = repo / MODEL
    original = model.read_text()
    staged = original.replace(
        "    updated_at:",
        "    summary: Mapped[str | None] = mapped_column(Text)\n    updated_at:",
        1,
    )
    model.write_text(staged)
    git(repo, "add", MODEL)
    unstaged = staged + "\n\nUNSTAGED_MARKER = 'keep me'  # \u00e9 and trailing space \n"
    model.write_bytes(unstaged.encode())
    (repo / "notes.txt").write_text("untracked work\n")

    result = commit(repo, env, "add summary")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    new = revision_files(repo) - before
    assert len(new) == 1, output
    source = (repo / VERSIONS / new.pop()).read_text()
    assert "sa.Column('summary', sa.Text(), nullable=True)" in source
    assert "language" not in source
    assert model.read_bytes() == unstaged.encode()
    assert (repo / "notes.txt").read_text() == "untracked work\n"
    assert git(repo, "show", f":{MODEL}").stdout == staged.rstrip("\n") + "\n"


def test_plain_git_hook_uses_staged_content_and_keeps_unstaged_edits(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    env = environment(tmp_path)
    (repo / ".pre-commit-config.yaml").unlink()
    git(repo, "commit", "-q", "-am", "no pre-commit")
    git(repo, "config", "core.hooksPath", str(REPO_ROOT / "hooks"))
    before = revision_files(repo)
    model = repo / MODEL
    staged = model.read_text().replace(
        "    updated_at:",
        "    summary: Mapped[str | None] = mapped_column(Text)\n    updated_at:",
        1,
    )
    model.write_text(staged)
    git(repo, "add", MODEL)
    unstaged = staged.replace("summary", "summary_unstaged_rename")
    model.write_text(unstaged)

    result = commit(repo, env, "add summary")
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    new = revision_files(repo) - before
    assert len(new) == 1, output
    source = (repo / VERSIONS / new.pop()).read_text()
    assert "'summary'" in source and "summary_unstaged_rename" not in source
    assert model.read_text() == unstaged


def test_nothing_relevant_staged_passes(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    env = environment(tmp_path)
    install(repo, env)
    (repo / "README.md").write_text("hello\n")
    (repo / "backend" / "app" / "util.py").write_text("X = 1\n")
    git(repo, "add", "README.md", "backend/app/util.py")
    result = commit(repo, env, "docs")
    assert result.returncode == 0, result.stdout + result.stderr
    assert git(repo, "status", "--porcelain").stdout == ""


def add_summary_column(repo: Path) -> None:
    model = repo / MODEL
    model.write_text(
        model.read_text().replace(
            "    updated_at:",
            "    summary: Mapped[str | None] = mapped_column(Text)\n    updated_at:",
            1,
        )
    )


def test_committing_twice_without_git_add_is_stopped_twice(tmp_path: Path) -> None:
    """The first story of issue 9 with the pre-commit framework: the generated revision is in the
    work tree but not staged, so the second `git commit` is stopped again, with no second file."""
    repo = project_repo(tmp_path)
    env = environment(tmp_path)
    install(repo, env)
    before = revision_files(repo)
    add_summary_column(repo)
    git(repo, "add", MODEL)

    first = commit(repo, env, "add summary")
    assert first.returncode == 1, first.stdout + first.stderr
    generated = revision_files(repo) - before
    assert len(generated) == 1

    second = commit(repo, env, "add summary")
    output = second.stdout + second.stderr
    assert second.returncode == 1, output
    assert "git add" in output and "no staged revision" in output, output
    assert revision_files(repo) - before == generated  # no second revision
    assert git(repo, "log", "--oneline").stdout.count("\n") == 1  # still nothing committed

    git(repo, "add", f"{VERSIONS}/{next(iter(generated))}")
    third = commit(repo, env, "add summary")
    assert third.returncode == 0, third.stdout + third.stderr
    assert git(repo, "log", "--oneline").stdout.count("\n") == 2


def test_run_on_demand_catches_a_no_verify_commit_and_generates(tmp_path: Path) -> None:
    """`git commit --no-verify` of a model change, then `pre-commit run gen-migration
    --all-files` (nothing staged): the committed tree drifts, so the revision is generated for
    review and the run fails; once it is committed, the same run passes."""
    repo = project_repo(tmp_path)
    env = environment(tmp_path)
    install(repo, env)
    before = revision_files(repo)
    add_summary_column(repo)
    git(repo, "commit", "-q", "--no-verify", "-am", "model change, hook skipped")

    run = [str(BIN / "pre-commit"), "run", "gen-migration", "--all-files"]
    caught = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True)
    output = caught.stdout + caught.stderr
    assert caught.returncode == 1, output
    assert "committed models" in output, output
    generated = revision_files(repo) - before
    assert len(generated) == 1, output
    source = (repo / VERSIONS / next(iter(generated))).read_text()
    assert "sa.Column('summary', sa.Text(), nullable=True)" in source
    assert git(repo, "diff", "--cached", "--name-only").stdout == ""  # left unstaged

    git(repo, "add", f"{VERSIONS}/{next(iter(generated))}")
    git(repo, "commit", "-q", "--no-verify", "-m", "the revision")
    clean = subprocess.run(run, cwd=repo, env=env, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert revision_files(repo) - before == generated
