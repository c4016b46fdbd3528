"""``drift [--staged]``: the models against the history of the same tree, as git holds it.

Real git, real Alembic, the real throwaway PostgreSQL; the work tree (unstaged edits, untracked
revision files) never counts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.projects import (
    EXAMPLE_HEAD,
    LANGUAGE_REVISION,
    MODELS,
    VERSIONS,
    commit_all,
    count_env_py_runs,
    env_py_runs_in_templates,
    git,
    init_repo,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example backend (one pending column) committed in a fresh repository."""
    root = tmp_path / "app"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("__pycache__"))
    init_repo(root)
    return root


def drift(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "migration_guard", "--format", "json", "drift", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
    )


def problems(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    document = json.loads(result.stdout)
    assert set(document) == {"problems"}
    found: list[dict[str, object]] = document["problems"]
    return found


def test_a_committed_model_change_without_its_revision_drifts(repo: Path) -> None:
    result = drift(repo)
    assert result.returncode == 1, result.stderr
    (problem,) = problems(result)
    assert problem["code"] == "models-without-migration"
    assert problem["message"] == "add column documents.language (String(8), not null)"
    assert problem["path"] == f"{MODELS}/document.py"
    assert problem["revisions"] == [EXAMPLE_HEAD]


def test_an_untracked_or_unstaged_revision_does_not_count(repo: Path) -> None:
    (repo / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    assert drift(repo).returncode == 1  # untracked: not committed
    assert drift(repo, "--staged").returncode == 1  # untracked: not staged either
    git(repo, "add", VERSIONS)
    staged = drift(repo, "--staged")
    assert (staged.returncode, problems(staged)) == (0, []), staged.stderr
    assert drift(repo).returncode == 1  # staged, not committed
    commit_all(repo, "the revision")
    in_sync = drift(repo)
    assert (in_sync.returncode, problems(in_sync)) == (0, []), in_sync.stderr


def test_staged_model_edits_are_judged_not_the_work_tree(repo: Path) -> None:
    (repo / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    commit_all(repo, "the revision")
    model = repo / MODELS / "document.py"
    original = model.read_text()
    model.write_text(original + "\n# an unstaged comment\n")
    assert drift(repo, "--staged").returncode == 0
    model.write_text(
        original.replace(
            "    language: Mapped[str]",
            "    title_lang: Mapped[str | None] = mapped_column(String(4))\n    language: Mapped[str]",
        )
    )
    assert drift(repo, "--staged").returncode == 0  # unstaged: not judged
    git(repo, "add", MODELS)
    result = drift(repo, "--staged")
    assert result.returncode == 1, result.stderr
    (problem,) = problems(result)
    assert problem["message"] == "add column documents.title_lang (String(4), nullable)"


def test_models_that_fail_to_import_name_the_repository_file(repo: Path) -> None:
    model = repo / MODELS / "document.py"
    model.write_text(model.read_text() + "\nraise RuntimeError('broken model')\n")
    commit_all(repo, "break the model")
    result = drift(repo)
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.strip().splitlines()[-1:]
    assert "broken model" in line
    assert f"{MODELS}/document.py:" in line
    assert "/tmp" not in line.split(f"{MODELS}/document.py")[0]


def test_a_no_verify_commit_is_caught_by_check_and_drift(repo: Path) -> None:
    """The user's story: `git commit --no-verify` of a model change; the PR check still holds."""
    git(repo, "checkout", "-q", "-b", "feature")
    model = repo / MODELS / "document.py"
    model.write_text(
        model.read_text().replace(
            "    language: Mapped[str]",
            "    summary: Mapped[str | None] = mapped_column(Text)\n    language: Mapped[str]",
        )
    )
    git(repo, "commit", "-q", "--no-verify", "-am", "model change, hook skipped")
    check = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--format", "json", "check", "--base", "main"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 1, check.stderr
    drifting = [
        p for p in json.loads(check.stdout)["problems"] if p["code"] == "models-without-migration"
    ]
    messages = {p["message"] for p in drifting}
    assert "add column documents.language (String(8), not null)" in messages, messages
    assert any(m.startswith("add column documents.summary (Text") for m in messages), messages
    assert drift(repo).returncode == 1


def test_drift_false_turns_the_check_off(repo: Path) -> None:
    pyproject = repo / "pyproject.toml"
    text = pyproject.read_text() if pyproject.exists() else "[tool.migration-guard]\n"
    assert "[tool.migration-guard]" in text
    pyproject.write_text(
        text.replace("[tool.migration-guard]\n", "[tool.migration-guard]\ndrift = false\n", 1)
    )
    commit_all(repo, "drift off")
    check = subprocess.run(
        [sys.executable, "-m", "migration_guard", "--format", "json", "check", "--base", "main"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    codes = [p["code"] for p in json.loads(check.stdout)["problems"]]
    assert "models-without-migration" not in codes, check.stderr


TAG_MODEL = '''"""Tags."""

from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
'''


def _new_table(repo: Path) -> None:
    (repo / MODELS / "tag.py").write_text(TAG_MODEL)
    init = repo / MODELS / "__init__.py"
    init.write_text(init.read_text() + "\nfrom app.models.tag import Tag  # noqa: E402,F401\n")


def _edit_document(old: str, new: str) -> Callable[[Path], None]:
    def edit(repo: Path) -> None:
        model = repo / MODELS / "document.py"
        text = model.read_text()
        assert old in text
        model.write_text(text.replace(old, new, 1))

    return edit


TITLE = "    title: Mapped[str] = mapped_column(String(200))\n"
MODEL_EDITS = {
    "new table": (_new_table, "add table tags", "tag.py"),
    "dropped column": (
        _edit_document(TITLE, ""),
        "drop column documents.title (not in the models)",
        "document.py",
    ),
    "changed type": (
        _edit_document("String(200)", "String(300)"),
        "change type of documents.title from VARCHAR(200) to String(300)",
        "document.py",
    ),
    "added index": (
        _edit_document("String(200))", "String(200), index=True)"),
        "add index ix_documents_title on documents (title)",
        "document.py",
    ),
    "enum value": (
        _edit_document(
            '    ARCHIVED = "archived"\n', '    ARCHIVED = "archived"\n    HIDDEN = "hidden"\n'
        ),
        "add value 'hidden' to enum document_status (used by documents.status)",
        "document.py",
    ),
}


@pytest.mark.parametrize("edit", MODEL_EDITS.values(), ids=list(MODEL_EDITS))
def test_each_kind_of_model_change_is_one_plain_problem(
    repo: Path, edit: tuple[Callable[[Path], None], str, str]
) -> None:
    change, message, model_file = edit
    (repo / VERSIONS / "0007_add_language.py").write_text(LANGUAGE_REVISION)
    commit_all(repo, "the revision")
    in_sync = drift(repo)
    assert (in_sync.returncode, problems(in_sync)) == (0, []), in_sync.stderr
    change(repo)
    commit_all(repo, "a model change, no revision")
    result = drift(repo)
    assert result.returncode == 1, result.stderr
    (problem,) = problems(result)
    assert problem["message"] == message
    assert problem["path"] == f"{MODELS}/{model_file}"
    assert problem["revisions"] == ["0007lang"]


def test_an_env_py_that_writes_is_compared_on_a_copy_and_the_template_stays_clean(
    repo: Path,
) -> None:
    """Drift compares on the cached template itself, read-only; an env.py that writes there
    (here: it counts its runs in a sequence) is refused by PostgreSQL, so the compare runs on a
    copy instead, and the template keeps what the history's upgrade left: one run counted."""
    count_env_py_runs(repo)
    commit_all(repo, "env.py writes")
    for _attempt in range(2):
        result = drift(repo)
        assert result.returncode == 1, result.stderr
        assert "comparing on a copy" in result.stderr
        (problem,) = problems(result)
        assert problem["message"] == "add column documents.language (String(8), not null)"
    assert env_py_runs_in_templates() == [1]  # this history's template: the upgrade's run only
