"""``rebase [--base REF] [--dry-run]``: point a stale branch's first new revision at the base head."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.errors import InputError, one_line
from migration_guard.fix.diffs import unified_diff
from migration_guard.git.repo import default_base
from migration_guard.graph.base import BaseComparison, compare_with_base
from migration_guard.graph.model import RevisionGraph
from migration_guard.graph.rewrite import point_down_revision
from migration_guard.project.opened import open_project


def run(invocation: Invocation) -> int:
    project = open_project(invocation.project)
    base = invocation.arguments.base or project.config.base or default_base(project.root)
    dry_run = bool(invocation.arguments.dry_run)
    show = _Shown(invocation.format == "json", dry_run)
    graph = project.graph()
    comparison = compare_with_base(graph, project.alembic, project.root, base)
    refuse_unless_base_merged(graph, comparison)
    if not comparison.problems:
        return show.done(
            f"nothing to rebase: every new revision already descends from the head of {base}"
        )
    target, revision, reason = plan(graph, comparison)
    if reason is not None or target is None or revision is None:
        print(
            f"migration-guard: cannot rebase automatically: {one_line(reason or '')}",
            file=sys.stderr,
        )
        return show.done(None, reason=reason or "", code=exit_codes.FINDINGS)
    file = graph.revisions[revision]
    path = editable_path(project.root, project.root / file.path)
    refuse_if_edited(project.root, path)
    original = path.read_bytes()
    rewritten = point_down_revision(original, file.path, target)
    diff = unified_diff(
        file.path,
        original.decode("utf-8", errors="replace"),
        rewritten.decode("utf-8", errors="replace"),
    )
    show.change = {"revision": revision, "down_revision": target, "path": file.path, "diff": diff}
    if not show.json and diff:
        from migration_guard.untrusted import terminal_block

        sys.stdout.write(terminal_block(diff.rstrip("\n")) + "\n")
    if dry_run:
        return show.done(f"(dry run) would point {revision} at {target}; nothing written")
    write_atomically(path, rewritten)
    return show.done(f"pointed {revision} at {target} ({file.path})", rebased=True)


class _Shown:
    """What ``rebase`` says: a line of text, or one JSON document (``--format json``)."""

    def __init__(self, as_json: bool, dry_run: bool) -> None:
        self.json = as_json
        self.dry_run = dry_run
        self.change: dict[str, str | None] = dict.fromkeys(
            ("revision", "down_revision", "path", "diff")
        )

    def done(
        self,
        line: str | None,
        *,
        rebased: bool = False,
        reason: str | None = None,
        code: int = exit_codes.OK,
    ) -> int:
        if self.json:
            document = {"rebased": rebased, "dry_run": self.dry_run, **self.change}
            document["reason"] = reason
            from migration_guard.untrusted import json_document

            sys.stdout.write(json_document(document))
        elif line is not None:
            from migration_guard.untrusted import terminal_block

            print(terminal_block(line))
        return code


def refuse_unless_base_merged(graph: RevisionGraph, comparison: BaseComparison) -> None:
    """Pointing a revision at a head this tree does not hold would leave a broken history."""
    absent = [head for head in comparison.base_heads if head not in graph.revisions]
    if absent:
        ref = comparison.ref
        raise InputError(
            f"the head of {ref} ({', '.join(absent)}) is not in this work tree: "
            f"run `git merge {ref}` (or `git rebase {ref}`) first, then `migration-guard rebase`"
        )


def editable_path(root: Path, path: Path) -> Path:
    """The file to edit: a symlinked revision is edited at its target, inside the repository."""
    if not path.is_symlink():
        return path
    from migration_guard.git.repo import open_repo

    top = Path(open_repo(root).working_tree_dir or ".").resolve()
    target = path.resolve()
    if top not in target.parents:
        raise InputError(
            f"{path}: is a symlink to {target}, outside the repository; edit it by hand"
        )
    return target


def plan(
    graph: RevisionGraph, comparison: BaseComparison
) -> tuple[str | None, str | None, str | None]:
    """(new parent, revision to rewrite, None) when the fix is unambiguous, else a reason."""
    heads = comparison.base_heads
    if len(heads) != 1:
        return (
            None,
            None,
            f"{comparison.ref} has {len(heads)} heads ({', '.join(heads)}); merge them first",
        )
    if len(comparison.problems) != 1:
        stale = ", ".join(problem.revisions[0] for problem in comparison.problems)
        return (
            None,
            None,
            f"several new revisions start from old revisions ({stale}); fix them by hand",
        )
    revision = comparison.problems[0].revisions[0]
    parents = graph.revisions[revision].down_revisions
    if len(parents) > 1:
        return None, None, f"{revision} is a merge of {', '.join(parents)}; fix it by hand"
    return heads[0], revision, None


def refuse_if_edited(root: Path, path: Path) -> None:
    """Never rewrite a file holding work git does not have: staged, unstaged or untracked edits."""
    from migration_guard.git.repo import open_repo

    repo = open_repo(root)
    top = Path(repo.working_tree_dir or ".").resolve()
    relative = path.resolve().relative_to(top).as_posix()
    status = repo.git.status("--porcelain", "--", relative)
    if status.strip():
        state = status[:2]
        kind = "untracked" if state == "??" else "staged or unstaged edits"
        raise InputError(
            f"{relative}: has {kind}; commit or stash them before `migration-guard rebase`"
        )


def write_atomically(path: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, path.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
