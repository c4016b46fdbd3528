"""Paths as git names them, and the git layouts a team really has.

File names that are not UTF-8, a versions folder that is a submodule, models behind a link that
leaves the repository, a conflicted revision mid-merge, a sparse checkout: each judged from git,
or refused in one line, never "every table missing" and never a crash. Real git, real Alembic,
the real throwaway PostgreSQL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.projects import commit_all, git, init_repo
from tests.test_drift_command import LANGUAGE_REVISION, MODELS, VERSIONS

pytestmark = pytest.mark.slow

ODD = b"caf\xe9"
"""A name in Latin-1, as an old Windows share leaves it: not UTF-8."""
LANGUAGE_PROBLEM = "add column documents.language (String(8), not null)"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example backend (one pending column) committed in a fresh repository."""
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    init_repo(root)
    return root


def guard(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", *args],
        cwd=root,
        capture_output=True,
        text=True,
        errors="surrogateescape",
        env={**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """stderr without the progress lines (``drift of commit HEAD``)."""
    return [line for line in result.stderr.splitlines() if " drift of " not in line]


def drift_messages(result: subprocess.CompletedProcess[str]) -> list[str]:
    document = json.loads(result.stdout)
    return [problem["message"] for problem in document["problems"]]


def odd_file(root: Path, relative: bytes, text: str) -> None:
    path = os.fsencode(root) + b"/" + relative
    with open(path, "w", encoding="utf-8") as stream:
        stream.write(text)


def test_a_file_name_that_is_not_utf8_blocks_nothing(repo: Path) -> None:
    (repo / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    commit_all(repo, "in sync")
    odd_file(repo, ODD + b".txt", "menu\n")
    git(repo, "add", "-A")
    hook = guard(repo, "hook")
    assert (hook.returncode, hook.stderr) == (0, ""), hook.stdout
    commit_all(repo, "an odd name")
    drift = guard(repo, "--format", "json", "drift")
    assert (drift.returncode, drift_messages(drift)) == (0, []), drift.stderr
    check = guard(repo, "--format", "json", "check", "--base", "HEAD~1")
    assert check.returncode == 0, check.stderr


def test_a_revision_file_name_that_is_not_utf8_is_judged(repo: Path) -> None:
    odd_file(repo, VERSIONS.encode() + b"/0007_" + ODD + b".py", LANGUAGE_REVISION)
    git(repo, "add", "-A")
    for command in (("hook",), ("lint", "--staged")):
        result = guard(repo, *command)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "[not-null-without-default]" in result.stdout
    commit_all(repo, "the revision, oddly named")
    drift = guard(repo, "--format", "json", "drift")
    assert (drift.returncode, drift_messages(drift)) == (0, []), drift.stderr
    check = guard(repo, "--format", "json", "check", "--base", "HEAD~1")
    assert check.returncode == 1, check.stderr
    (finding,) = json.loads(check.stdout)["findings"]
    assert finding["rule"] == "not-null-without-default"


def test_a_model_file_name_that_is_not_utf8_is_shown_with_escapes(repo: Path) -> None:
    from migration_guard.project.models_diff import changed_model_files

    (repo / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    commit_all(repo, "in sync")
    odd_file(repo, MODELS.encode() + b"/" + ODD + b".py", "x = 1\n")
    git(repo, "add", "-A")
    drift = guard(repo, "--format", "json", "drift", "--staged")
    assert (drift.returncode, drift_messages(drift)) == (0, []), drift.stderr
    for staged in (True, False):
        (change,) = changed_model_files(repo, (MODELS,), staged=staged)
        assert (change.path, change.status) == (f"{MODELS}/caf\\xe9.py", "added")


def test_a_versions_folder_that_is_a_submodule_is_read_from_its_recorded_commit(
    repo: Path, tmp_path: Path
) -> None:
    versions = tmp_path / "versions-repo"
    shutil.copytree(repo / VERSIONS, versions)
    init_repo(versions)
    shutil.rmtree(repo / VERSIONS)
    commit_all(repo, "versions move to their own repository")
    git(repo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(versions), VERSIONS)
    commit_all(repo, "versions as a submodule")
    # a later, uncommitted revision in the submodule's work tree is not the recorded commit
    (repo / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    drift = guard(repo, "--format", "json", "drift")
    assert (drift.returncode, drift_messages(drift)) == (1, [LANGUAGE_PROBLEM]), drift.stderr

    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(repo), str(clone))  # submodule not initialised
    missing = guard(clone, "drift")
    assert missing.returncode == 2, missing.stdout + missing.stderr
    (line,) = error_lines(missing)
    assert f"{VERSIONS}: a git submodule whose commit " in line
    assert "git submodule update --init" in line


def test_models_behind_a_link_leaving_the_repository_are_refused_in_one_line(
    repo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "shared-models"
    shutil.copytree(repo / MODELS, outside)
    shutil.rmtree(repo / MODELS)
    (repo / MODELS).symlink_to(outside)
    commit_all(repo, "models shared with another service")
    drift = guard(repo, "drift")
    assert drift.returncode == 2, drift.stdout + drift.stderr
    (line,) = error_lines(drift)
    assert line == (
        f"migration-guard: error: {MODELS}: a symbolic link to {outside} in commit HEAD, outside the "
        "repository: git holds only the link, so what it points at cannot be judged"
    )


def test_a_conflicted_revision_mid_merge_is_named_not_dropped(repo: Path) -> None:
    revision = repo / VERSIONS / "0007_add_language.py"
    revision.write_text(LANGUAGE_REVISION)
    commit_all(repo, "language")
    git(repo, "checkout", "-q", "-b", "other")
    revision.write_text(LANGUAGE_REVISION.replace("length=8", "length=10"))
    commit_all(repo, "longer")
    git(repo, "checkout", "-q", "main")
    revision.write_text(LANGUAGE_REVISION.replace("length=8", "length=12"))
    commit_all(repo, "longest")
    merge = subprocess.run(["git", "merge", "-q", "other"], cwd=repo, capture_output=True)
    assert merge.returncode == 1
    for command in (("drift", "--staged"), ("hook",)):
        result = guard(repo, *command)
        assert result.returncode == 2, result.stdout + result.stderr
        (line,) = error_lines(result)
        assert line == (
            f"migration-guard: error: {VERSIONS}/0007_add_language.py: conflicted in the index "
            "(a merge in progress): resolve it and `git add` it first"
        )


@pytest.mark.parametrize(
    "kept", [("/pyproject.toml", "/backend/app/"), ("/pyproject.toml", "/backend/")]
)
def test_a_sparse_checkout_is_judged_from_git_objects(repo: Path, kept: tuple[str, ...]) -> None:
    git(repo, "sparse-checkout", "set", "--no-cone", *kept)
    assert not (repo / "docker-compose.yml").exists()
    for staged in ((), ("--staged",)):
        drift = guard(repo, "--format", "json", "drift", *staged)
        assert (drift.returncode, drift_messages(drift)) == (1, [LANGUAGE_PROBLEM]), drift.stderr
    if "/backend/" not in kept:
        return  # the hook reads alembic.ini from the work tree: it needs the folder checked out
    (repo / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    git(repo, "add", VERSIONS)
    hook = guard(repo, "hook")
    assert hook.returncode == 1, hook.stdout + hook.stderr  # the revision's own finding
    assert "[not-null-without-default]" in hook.stdout
    in_sync = guard(repo, "--format", "json", "drift", "--staged")
    assert (in_sync.returncode, drift_messages(in_sync)) == (0, []), in_sync.stderr
