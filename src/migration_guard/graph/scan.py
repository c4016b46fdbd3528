"""Finds the revision files of a project, in the work tree or in a git commit, as Alembic does."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from git.objects import Blob, Tree

# Alembic's own pattern: editor lock files (.#x.py) and __init__.py are not revisions.
REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")
# A file changed this recently may change again within the clock's granularity without its
# stat changing, so its parse is not cached (git calls this the "racy" case).
RACY_SECONDS = 0.1


@dataclass(frozen=True)
class SourceFile:
    """One candidate revision file: where to show it, its name, and how to read its bytes.

    ``cache_key`` changes whenever the content may have changed (stat or blob id); it is
    ``None`` when the parse must not be cached.
    """

    path: str
    filename: str
    cache_key: str | None
    read: Callable[[], bytes] = field(compare=False)


def is_revision_filename(filename: str) -> bool:
    return REVISION_FILE.match(filename) is not None


def scan_work_tree(
    locations: tuple[Path, ...], recursive: bool, root: Path
) -> Iterator[SourceFile]:
    """Yield the candidate files under each version location; paths relative to ``root``."""
    seen: set[tuple[int, int]] = set()
    racy_after = time.time_ns() - int(RACY_SECONDS * 1_000_000_000)
    root_text = str(root.resolve())
    for location in locations:
        if not location.is_dir():
            continue
        base = str(location.resolve())
        prefix = os.path.relpath(base, root_text) if base.startswith(root_text) else base
        yield from _walk(base, prefix, recursive, seen, racy_after)


def _walk(
    directory: str, shown: str, recursive: bool, seen: set[tuple[int, int]], racy_after: int
) -> Iterator[SourceFile]:
    with os.scandir(directory) as scanner:
        entries = sorted(scanner, key=lambda entry: entry.name)
    subdirectories = []
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                subdirectories.append(entry)
            continue
        if not is_revision_filename(entry.name) or not entry.is_file():
            continue
        stat = entry.stat()
        identity = (stat.st_dev, stat.st_ino)
        if identity in seen:  # the same file reached through two version locations
            continue
        seen.add(identity)
        racy = max(stat.st_mtime_ns, stat.st_ctime_ns) >= racy_after
        key = (
            None
            if racy
            else f"{entry.path}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ctime_ns}|{stat.st_ino}"
        )
        yield SourceFile(
            path=_join(shown, entry.name),
            filename=entry.name,
            cache_key=key,
            read=_file_reader(entry.path),
        )
    if recursive:
        for subdirectory in subdirectories:
            yield from _walk(
                subdirectory.path, _join(shown, subdirectory.name), recursive, seen, racy_after
            )


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
            yield SourceFile(
                path=str(prefix / blob.name),
                filename=blob.name,
                cache_key=f"blob:{blob.hexsha}",
                read=_blob_reader(blob),
            )
    if recursive:
        for subtree in sorted(folder.trees, key=lambda item: item.name):
            if subtree.name != "__pycache__":
                yield from _walk_git(subtree, prefix / subtree.name, recursive)


def _blob_reader(blob: Blob) -> Callable[[], bytes]:
    # The stream is opened only when read: gitpython's cat-file pipe breaks when a stream is
    # opened and then left unread (as a cache hit would leave it).
    def read() -> bytes:
        from migration_guard.config.bounded_read import check_size

        check_size(str(blob.path), blob.size, "revision file")
        data: bytes = blob.data_stream.read()
        return data

    return read


def _file_reader(path: str) -> Callable[[], bytes]:
    def read() -> bytes:
        from migration_guard.config.bounded_read import read_bytes

        return read_bytes(path, "revision file")

    return read


def _join(prefix: str, name: str) -> str:
    return name if prefix in ("", ".") else f"{prefix}/{name}".replace(os.sep, "/")
