"""Finds the revision files of a project, in the work tree or in a git commit, as Alembic does."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git.objects import Tree

# Alembic's own pattern: editor lock files (.#x.py) and __init__.py are not revisions.
REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")


@dataclass(frozen=True)
class SourceFile:
    """One candidate revision file: where to show it, its name, and its bytes."""

    path: str
    filename: str
    source: bytes


def is_revision_filename(filename: str) -> bool:
    return REVISION_FILE.match(filename) is not None


def scan_work_tree(
    locations: tuple[Path, ...], recursive: bool, root: Path
) -> Iterator[SourceFile]:
    """Yield the candidate files under each version location; paths relative to ``root``."""
    seen: set[Path] = set()
    for location in locations:
        if not location.is_dir():
            continue
        for directory, subdirs, files in os.walk(location):
            subdirs[:] = sorted(name for name in subdirs if name != "__pycache__")
            for filename in sorted(files):
                if not is_revision_filename(filename):
                    continue
                file_path = Path(directory, filename)
                real = file_path.resolve()
                if real in seen:
                    continue
                seen.add(real)
                yield SourceFile(_display(file_path, root), filename, file_path.read_bytes())
            if not recursive:
                break


def scan_git_tree(tree: Tree, locations: tuple[str, ...], recursive: bool) -> Iterator[SourceFile]:
    """Yield the candidate files of ``tree`` under each location (POSIX paths from the repo root)."""
    for location in locations:
        try:
            folder = tree / location if location not in ("", ".") else tree
        except KeyError:
            continue
        if folder.type != "tree":
            continue
        yield from _walk_git(folder, PurePosixPath(location), recursive)


def _walk_git(folder: Tree, prefix: PurePosixPath, recursive: bool) -> Iterator[SourceFile]:
    for blob in sorted(folder.blobs, key=lambda item: item.name):
        if is_revision_filename(blob.name):
            yield SourceFile(str(prefix / blob.name), blob.name, blob.data_stream.read())
    if recursive:
        for subtree in sorted(folder.trees, key=lambda item: item.name):
            if subtree.name != "__pycache__":
                yield from _walk_git(subtree, prefix / subtree.name, recursive)


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
