"""The three commit hooks configured together print each finding once (real pre-commit).

gen-migration, migration-lint and migration-heads all check staged revisions; in one pre-commit
run the first hook to run a check reports it and the later ones say so in one line.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.test_hook_precommit import VERSIONS, commit, environment, git, install, project_repo

pytestmark = pytest.mark.slow

HEAD = "e2b86d14f07a"
BAD_REVISION = f'''"""add nickname

Revision ID: 1a2b3c4d5e6f
Revises: {HEAD}
"""
from alembic import op
import sqlalchemy as sa

revision = "1a2b3c4d5e6f"
down_revision = "{HEAD}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("nickname", sa.String(40), nullable=False))


def downgrade() -> None:
    op.drop_column("users", "nickname")
'''
SECOND_HEAD = (
    BAD_REVISION.replace("1a2b3c4d5e6f", "9f8e7d6c5b4a")
    .replace("nullable=False))", "nullable=True))")
    .replace('"nickname"', '"alias"')
)


def configure(repo: Path, hook_ids: list[str]) -> None:
    config = (repo / ".pre-commit-config.yaml").read_text()
    head, _, _ = config.partition("    hooks:\n")
    hooks = "".join(f"      - id: {hook_id}\n        verbose: true\n" for hook_id in hook_ids)
    (repo / ".pre-commit-config.yaml").write_text(f"{head}    hooks:\n{hooks}")
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "--allow-empty", "-m", "hooks")


def stage_bad_revisions(repo: Path) -> None:
    (repo / VERSIONS / "1a2b3c4d5e6f_add_nickname.py").write_text(BAD_REVISION)
    (repo / VERSIONS / "9f8e7d6c5b4a_add_alias.py").write_text(SECOND_HEAD)
    git(repo, "add", VERSIONS)


def commit_output(tmp_path: Path, hook_ids: list[str]) -> str:
    repo = project_repo(tmp_path)
    configure(repo, hook_ids)
    env = environment(tmp_path)
    install(repo, env)
    stage_bad_revisions(repo)
    result = commit(repo, env, "add nickname")
    assert result.returncode != 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def test_with_the_three_hooks_each_finding_is_printed_once(tmp_path: Path) -> None:
    alone = commit_output(tmp_path / "alone", ["gen-migration"])
    together = commit_output(
        tmp_path / "together", ["gen-migration", "migration-lint", "migration-heads"]
    )
    for marker in ("`users.nickname`", "multiple-heads"):
        assert alone.count(marker) >= 1, alone
        assert together.count(marker) == alone.count(marker), together
    assert "was reported above by `migration-guard hook`" in together


def test_lint_first_then_gen_migration_still_once(tmp_path: Path) -> None:
    together = commit_output(tmp_path, ["migration-lint", "migration-heads", "gen-migration"])
    alone_lint = together.split("migration-guard heads")[0]
    assert together.count("`users.nickname`") == alone_lint.count("`users.nickname`") >= 1
    assert "was reported above by `migration-guard lint --staged`" in together
    assert "was reported above by `migration-guard heads`" in together


def test_a_hook_run_alone_does_its_whole_check(tmp_path: Path) -> None:
    repo = project_repo(tmp_path)
    configure(repo, ["gen-migration", "migration-lint"])
    env = environment(tmp_path)
    stage_bad_revisions(repo)
    pre_commit = Path(env["PATH"].split(":")[0]) / "pre-commit"
    result = subprocess.run(
        [str(pre_commit), "run", "migration-lint"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "`users.nickname`" in output
    assert "reported above" not in output
