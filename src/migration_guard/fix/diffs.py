"""The unified diff every rewriting command shows (``rebase``, ``fix``, and ``new``'s offer)."""

from __future__ import annotations

import difflib


def unified_diff(path: str, before: str, after: str) -> str:
    """``before`` → ``after`` of the file at ``path`` (repository-relative), git's a/ b/ form;
    empty when nothing changed."""
    return "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )
