"""``heads``: the CLI end to end, its JSON, exit codes, bad input, and ``--base`` in real git repos."""

from __future__ import annotations

import json
from pathlib import Path

from tests.projects import add_revision, commit_all, git, init_repo, make_project, run_cli


def heads_json(root: Path, *args: str) -> tuple[int, dict]:
    result = run_cli(root, "--format", "json", "heads", *args)
    assert "Traceback" not in result.stderr
    return result.returncode, json.loads(result.stdout)


def test_single_head_is_clean(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    add_revision(tmp_path, "b2", "a1")
    code, document = heads_json(tmp_path)
    assert code == 0
    assert document == {"heads": ["b2"], "problems": []}


def test_two_heads_after_a_merge_of_branches(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    add_revision(tmp_path, "b2", "a1")
    add_revision(tmp_path, "c3", "a1")
    code, document = heads_json(tmp_path)
    assert code == 1
    assert sorted(document["heads"]) == ["b2", "c3"]
    (problem,) = document["problems"]
    assert problem["code"] == "multiple-heads"
    assert sorted(problem["revisions"]) == ["b2", "c3"]
    assert set(problem) == {"code", "message", "revisions", "path"}


def test_max_heads_from_config(tmp_path: Path) -> None:
    make_project(tmp_path, pyproject="max_heads = 2\n")
    add_revision(tmp_path, "a1", None)
    add_revision(tmp_path, "b2", "a1")
    add_revision(tmp_path, "c3", "a1")
    assert heads_json(tmp_path)[0] == 0


def test_text_output_names_heads_and_problems(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    add_revision(tmp_path, "b2", "gone")
    result = run_cli(tmp_path, "heads")
    assert result.returncode == 1
    assert "missing-parent" in result.stdout
    assert "gone" in result.stdout
    assert "migrations/versions/b2.py" in result.stdout


def test_syntax_error_is_exit_2_naming_file_and_line(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    (tmp_path / "migrations" / "versions" / "broken.py").write_text("revision = 'x'\ndef up(:\n")
    code, document = heads_json(tmp_path)
    assert code == 2
    (problem,) = document["problems"]
    assert problem["code"] == "parse-error"
    assert "broken.py:2" in problem["message"]


def test_non_literal_id_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "migrations" / "versions" / "a.py").write_text(
        "revision = make_id()\ndown_revision = None\n"
    )
    code, document = heads_json(tmp_path)
    assert code == 2
    assert document["problems"][0]["code"] == "parse-error"


def test_cycle_is_exit_1(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", "b2")
    add_revision(tmp_path, "b2", "a1")
    code, document = heads_json(tmp_path)
    assert code == 1
    assert [p["code"] for p in document["problems"]] == ["cycle"]


def test_missing_alembic_ini_is_one_line_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "alembic.ini").unlink()
    result = run_cli(tmp_path, "heads")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "alembic.ini not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_script_location_that_does_not_exist(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "alembic.ini").write_text("[alembic]\nscript_location = nowhere\n")
    result = run_cli(tmp_path, "heads")
    assert result.returncode == 2
    assert "script_location nowhere is not a directory" in result.stderr
    assert result.stderr.count("\n") == 1


def test_empty_versions_folder_has_no_heads(tmp_path: Path) -> None:
    make_project(tmp_path)
    code, document = heads_json(tmp_path)
    assert (code, document) == (0, {"heads": [], "problems": []})


def test_unknown_config_key_is_exit_2_naming_key_and_file(tmp_path: Path) -> None:
    make_project(tmp_path, pyproject="max_head = 2\n")
    result = run_cli(tmp_path, "heads")
    assert result.returncode == 2
    assert "max_head" in result.stderr and "pyproject.toml" in result.stderr


def test_wrong_config_type_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path, pyproject='max_heads = "one"\n')
    result = run_cli(tmp_path, "heads")
    assert result.returncode == 2
    assert "max_heads" in result.stderr


def test_bad_flag_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    result = run_cli(tmp_path, "heads", "--nope")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_recursive_and_several_version_locations_from_ini(tmp_path: Path) -> None:
    make_project(
        tmp_path,
        extra_ini=(
            "version_locations = %(here)s/migrations/versions %(here)s/plugins\n"
            "path_separator = space\nrecursive_version_locations = true\n"
        ),
    )
    add_revision(tmp_path, "a1", None)
    nested = tmp_path / "plugins" / "2024"
    nested.mkdir(parents=True)
    (nested / "b2_plugin.py").write_text("revision = 'b2'\ndown_revision = 'a1'\n")
    code, document = heads_json(tmp_path)
    assert (code, document["heads"]) == (0, ["b2"])


# --base: real git repositories


def _base_repo(tmp_path: Path) -> Path:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    add_revision(tmp_path, "b2", "a1")
    init_repo(tmp_path)
    return tmp_path


def test_fresh_branch_is_on_base_head(tmp_path: Path) -> None:
    root = _base_repo(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "c3", "b2")
    commit_all(root, "add c3")
    code, document = heads_json(root, "--base", "main")
    assert (code, document["problems"]) == (0, [])


def test_stale_branch_names_revision_parent_and_head(tmp_path: Path) -> None:
    root = _base_repo(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "c3", "b2")
    commit_all(root, "add c3")
    git(root, "checkout", "-q", "main")
    add_revision(root, "d4", "b2")
    commit_all(root, "base gains d4")
    git(root, "checkout", "-q", "feature")
    code, document = heads_json(root, "--base", "main")
    assert code == 1
    (problem,) = document["problems"]
    assert problem["code"] == "not-on-base-head"
    assert problem["revisions"][:2] == ["c3", "b2"]
    assert "d4" in problem["revisions"]
    assert "down_revision b2" in problem["message"] and "'d4'" in problem["message"]
    assert problem["path"] == "migrations/versions/c3.py"


def test_base_that_gained_two_revisions(tmp_path: Path) -> None:
    root = _base_repo(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "c3", "b2")
    add_revision(root, "c4", "c3")
    commit_all(root, "add c3 c4")
    git(root, "checkout", "-q", "main")
    add_revision(root, "d4", "b2")
    add_revision(root, "d5", "d4")
    commit_all(root, "base gains two")
    git(root, "checkout", "-q", "feature")
    code, document = heads_json(root, "--base", "main")
    assert code == 1
    (problem,) = document["problems"]  # only the first new revision of the chain
    assert problem["revisions"][0] == "c3"
    assert "'d5'" in problem["message"]


def test_base_is_read_from_git_objects_not_the_work_tree(tmp_path: Path) -> None:
    root = _base_repo(tmp_path)
    git(root, "checkout", "-q", "-b", "feature")
    add_revision(root, "c3", "b2")  # uncommitted: still "here"
    before = sorted(p.name for p in (root / "migrations" / "versions").iterdir())
    code, document = heads_json(root, "--base", "main")
    assert (code, document["problems"]) == (0, [])
    assert sorted(p.name for p in (root / "migrations" / "versions").iterdir()) == before
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "feature"


def test_missing_base_ref_is_exit_2_with_fetch_command(tmp_path: Path) -> None:
    root = _base_repo(tmp_path)
    result = run_cli(root, "heads", "--base", "origin/main")
    assert result.returncode == 2
    assert "git fetch origin main" in result.stderr
    assert result.stderr.count("\n") == 1


def test_not_a_git_repository_is_exit_2(tmp_path: Path) -> None:
    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    result = run_cli(tmp_path, "heads", "--base", "main")
    assert result.returncode == 2
    assert "not inside a git repository" in result.stderr


def test_settings_from_pyproject_tool_alembic(tmp_path: Path) -> None:
    """Alembic 1.16+ projects keep script_location in pyproject.toml; alembic.ini only logs."""
    make_project(tmp_path)
    (tmp_path / "alembic.ini").write_text("[alembic]\n\n[loggers]\nkeys = root\n")
    with (tmp_path / "pyproject.toml").open("a") as stream:
        stream.write('\n[tool.alembic]\nscript_location = "%(here)s/migrations"\n')
    add_revision(tmp_path, "a1", None)
    add_revision(tmp_path, "b2", "a1")
    code, document = heads_json(tmp_path)
    assert (code, document["heads"]) == (0, ["b2"])


def test_global_options_after_the_command_as_pre_commit_args_put_them(tmp_path: Path) -> None:
    import subprocess
    import sys

    make_project(tmp_path)
    add_revision(tmp_path, "a1", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "migration_guard",
            "heads",
            "--project",
            str(tmp_path),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["heads"] == ["a1"]


def test_alembic_ini_at_the_root_when_the_key_is_left_unset(tmp_path: Path) -> None:
    make_project(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0"\n')
    add_revision(tmp_path, "a1", None)
    code, document = heads_json(tmp_path)
    assert (code, document["heads"]) == (0, ["a1"])


def test_an_explicit_alembic_ini_is_never_second_guessed(tmp_path: Path) -> None:
    make_project(tmp_path, pyproject="")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.migration-guard]\nalembic_ini = "backend/alembic.ini"\n'
    )
    add_revision(tmp_path, "a1", None)
    result = run_cli(tmp_path, "heads")
    assert result.returncode == 2
    assert "backend/alembic.ini" in result.stderr
