"""The lines a branch changed since its merge-base with a base ref: where annotations go.

A pull request's reviewers care about the lines it changes; GitHub shows the annotations of a
step on the diff, and only a few of them. The comparison is the merge-base with the work tree
(in CI, a clean checkout of HEAD: the pull request's own changes); a file the merge-base does
not have is new, and every line of it counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

_HUNK = re.compile(rb"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", re.MULTILINE)


@dataclass(frozen=True)
class ChangedLines:
    """Per repository-relative path: the changed line numbers, or None for a new file."""

    by_path: Mapping[str, frozenset[int] | None]

    def covers(self, path: str | None, line: int | None) -> bool:
        if path is None or path not in self.by_path:
            return False
        changed = self.by_path[path]
        return changed is None or (line is not None and line in changed)


def changed_lines(project_root: Path, base: str, paths: Iterable[str]) -> ChangedLines:
    """The lines of ``paths`` (relative to the repository root) changed since the merge-base of
    HEAD and ``base``; an unknown ref or a missing merge-base is an input error."""
    from migration_guard.git.repo import git, merge_base, open_repo, resolve_ref

    repo = open_repo(project_root)
    ancestor = merge_base(repo, base, resolve_ref(repo, base))
    by_path: dict[str, frozenset[int] | None] = {}
    for path in sorted(set(paths)):
        try:
            ancestor.tree.join(path)
        except KeyError:
            by_path[path] = None
            continue
        # bytes: a file whose name or content is not UTF-8 is still a diff
        diff = git(
            Path(repo.working_tree_dir or project_root),
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "-U0",
            ancestor.hexsha,
            "--",
            f":(literal){path}",
        )
        by_path[path] = frozenset(_added_lines(diff))
    return ChangedLines(by_path)


def _added_lines(diff: bytes) -> Iterable[int]:
    for hunk in _HUNK.finditer(diff):
        start = int(hunk.group(1))
        count = int(hunk.group(2)) if hunk.group(2) is not None else 1
        yield from range(start, start + count)
