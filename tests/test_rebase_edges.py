"""``rebase`` before the base is merged, on files with odd bytes, through symlinks; and ``check``
never contradicting itself about a base head this tree does not hold."""

from __future__ import annotations

import json
import os
from pathlib import Path

from tests.projects import add_revision, commit_all, git, init_repo, make_project, run_cli

VERSIONS = Path("migrations") / "versions"


def upstream_and_clone(tmp_path: Path) -> Path:
    """A clone on branch ``feature`` adding c3 on b2, while origin/main moved on to d4."""
    upstream = tmp_path / "upstream"
    make_project(upstream)
    add_revision(
        upstream, "a1", None, upgrade="op.create_table('t', sa.Column('id', sa.Integer()))"
    )
    add_revision(upstream, "b2", "a1")
    init_repo(upstream)
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(upstream), str(clone))
    git(clone, "config", "core.autocrlf", "false")
    git(clone, "checkout", "-q", "-b", "feature")
    add_revision(clone, "c3", "b2")
    commit_all(clone, "feature adds c3")
    add_revision(upstream, "d4", "b2")
    commit_all(upstream, "main gains d4")
    git(clone, "fetch", "-q", "origin")
    return clone


def status(root: Path) -> str:
    return git(root, "status", "--porcelain", "--ignored")


def test_rebase_before_merging_the_base_is_refused_with_the_git_command(tmp_path: Path) -> None:
    clone = upstream_and_clone(tmp_path)
    path = clone / VERSIONS / "c3.py"
    before, tree_before = path.read_bytes(), status(clone)
    result = run_cli(clone, "rebase", "--base", "origin/main")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "`git merge origin/main`" in result.stderr
    assert "`git rebase origin/main`" in result.stderr
    assert "d4" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert path.read_bytes() == before and status(clone) == tree_before


def test_after_the_merge_rebase_fixes_it_and_check_passes(tmp_path: Path) -> None:
    clone = upstream_and_clone(tmp_path)
    git(clone, "merge", "-q", "origin/main", "-m", "merge main")
    assert run_cli(clone, "rebase", "--base", "origin/main").returncode == 0
    result = run_cli(clone, "--format", "json", "check", "--base", "origin/main")
    assert (result.returncode, json.loads(result.stdout)["problems"]) == (0, [])


def test_check_never_says_the_down_revision_it_has_is_the_one_to_set(tmp_path: Path) -> None:
    """c3 already names origin/main's head d4, but the branch never merged it."""
    clone = upstream_and_clone(tmp_path)
    path = clone / VERSIONS / "c3.py"
    path.write_text(path.read_text().replace("'b2'", "'d4'").replace("Revises: b2", "Revises: d4"))
    commit_all(clone, "point c3 at d4 by hand")
    result = run_cli(clone, "--format", "json", "check", "--base", "origin/main")
    problems = json.loads(result.stdout)["problems"]
    by_code = {problem["code"]: problem for problem in problems}
    assert "not-on-base-head" not in by_code
    assert "git merge origin/main" in by_code["missing-parent"]["message"]
    assert result.returncode == 1


def test_stale_unmerged_branch_is_told_to_merge_first(tmp_path: Path) -> None:
    clone = upstream_and_clone(tmp_path)
    result = run_cli(clone, "--format", "json", "check", "--base", "origin/main")
    (problem,) = json.loads(result.stdout)["problems"]
    assert problem["code"] == "not-on-base-head"
    assert "git merge origin/main" in problem["message"]


def rewrite_c3(clone: Path, transform: bytes) -> tuple[Path, bytes]:
    path = clone / VERSIONS / "c3.py"
    path.write_bytes(transform)
    commit_all(clone, "c3 with odd bytes")
    git(clone, "merge", "-q", "origin/main", "-m", "merge main")
    return path, path.read_bytes()


def expected_after(before: bytes) -> bytes:
    return before.replace(b"'b2'", b"'d4'").replace(b"Revises: b2", b"Revises: d4")


def test_crlf_file_keeps_its_line_endings(tmp_path: Path) -> None:
    clone = upstream_and_clone(tmp_path)
    source = (clone / VERSIONS / "c3.py").read_bytes()
    path, before = rewrite_c3(clone, source.replace(b"\n", b"\r\n"))
    result = run_cli(clone, "rebase", "--base", "origin/main")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == expected_after(before)
    assert b"\r\n" in before and before.count(b"\r\n") == path.read_bytes().count(b"\r\n")


def test_bom_mixed_endings_and_form_feed_keep_every_other_byte(tmp_path: Path) -> None:
    clone = upstream_and_clone(tmp_path)
    source = (clone / VERSIONS / "c3.py").read_bytes()
    lines = source.split(b"\n")
    odd = b"\xef\xbb\xbf" + b"\r\n".join(lines[:3]) + b"\n" + b"\r".join(lines[3:6]) + b"\n"
    odd += "# \x0c déjà vu\n".encode() + b"\n".join(lines[6:])
    path, before = rewrite_c3(clone, odd)
    result = run_cli(clone, "rebase", "--base", "origin/main")
    assert result.returncode == 0, result.stderr
    assert path.read_bytes() == expected_after(before)


def test_symlinked_revision_is_edited_at_its_target(tmp_path: Path) -> None:
    clone = upstream_and_clone(tmp_path)
    shared = clone / "shared"
    shared.mkdir()
    link = clone / VERSIONS / "c3.py"
    target = shared / "c3_real.py"
    target.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(os.path.relpath(target, link.parent))
    commit_all(clone, "c3 lives in shared/")
    git(clone, "merge", "-q", "origin/main", "-m", "merge main")
    before = target.read_bytes()
    result = run_cli(clone, "rebase", "--base", "origin/main")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert target.read_bytes() == expected_after(before)


def test_symlink_out_of_the_repository_is_refused(tmp_path: Path) -> None:
    clone = upstream_and_clone(tmp_path)
    outside = tmp_path / "elsewhere.py"
    link = clone / VERSIONS / "c3.py"
    outside.write_bytes(link.read_bytes())
    link.unlink()
    link.symlink_to(outside)
    commit_all(clone, "c3 points outside")
    git(clone, "merge", "-q", "origin/main", "-m", "merge main")
    before = outside.read_bytes()
    result = run_cli(clone, "rebase", "--base", "origin/main")
    assert result.returncode == 2
    assert "symlink" in result.stderr and "Traceback" not in result.stderr
    assert outside.read_bytes() == before and link.is_symlink()
