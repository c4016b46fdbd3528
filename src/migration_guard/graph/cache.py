"""A cache of statically read revision files, keyed by stat or git blob id.

It can never serve a stale graph: an entry is used only when the key (path, size, mtime, ctime,
inode; or the blob's content hash) is the same, and files changed in the last seconds are never
cached. Set ``MIGRATION_GUARD_NO_CACHE=1`` to bypass it. At most :data:`MAX_FILES` files are
kept (one per set of version locations or repository); the least recently used go first.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any

_FORMAT = 2
MAX_FILES = 32
MAX_BYTES = 64 * 1024 * 1024
"""The largest cache file read back (a history of thousands of revisions is a few MiB)."""


def cache_dir() -> Path:
    """The cache root (``MIGRATION_GUARD_CACHE``, else ``$XDG_CACHE_HOME/migration-guard``)."""
    override = os.environ.get("MIGRATION_GUARD_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base, "migration-guard")


def evict_least_recently_used(folder: Path, keep: int = MAX_FILES) -> None:
    """Delete all but the ``keep`` most recently used graph files in ``folder``."""
    try:
        files = [(entry.stat().st_mtime_ns, entry) for entry in folder.glob("graph-*.json")]
    except OSError:
        return
    files.sort(key=lambda item: item[0], reverse=True)
    for _used, path in files[keep:]:
        try:
            path.unlink()
        except OSError:
            continue


class ParseCache:
    """Entries for one set of version locations; saved with only the keys used this run."""

    def __init__(self, scope: str) -> None:
        self.enabled = os.environ.get("MIGRATION_GUARD_NO_CACHE") != "1"
        digest = hashlib.sha256(scope.encode("utf-8", "surrogateescape")).hexdigest()[:24]
        self.path = cache_dir() / f"graph-{digest}.json"
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.changed = False
        if self.enabled:
            self._load()

    def get(self, key: str | None) -> Any:
        if key is None or not self.enabled:
            return None
        value = self.entries.get(key)
        if value is not None:
            self.used[key] = value
        return value

    def put(self, key: str | None, value: Any) -> None:
        if key is None or not self.enabled:
            return
        self.used[key] = value
        self.changed = True

    def save(self) -> None:
        """Write the cache atomically; a cache we cannot write is simply not kept."""
        if not self.enabled or not (self.changed or len(self.used) != len(self.entries)):
            return
        import tempfile

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".graph-")
            with os.fdopen(handle, "w") as stream:
                json.dump({"format": _FORMAT, "entries": self.used}, stream)
            os.replace(temporary, self.path)
        except OSError:
            return
        evict_least_recently_used(self.path.parent)

    def _load(self) -> None:
        """Read the cache file only when it is a regular file of ours, not a link planted in its
        place (``O_NOFOLLOW``) nor a device or FIFO, and at most :data:`MAX_BYTES`; anything
        else is no cache."""
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            descriptor = os.open(self.path, flags)
        except OSError:
            return
        with os.fdopen(descriptor, "rb") as stream:
            try:
                status = os.fstat(descriptor)
                if not stat.S_ISREG(status.st_mode) or status.st_size > MAX_BYTES:
                    return
                document = json.loads(stream.read(MAX_BYTES + 1))
            except (OSError, ValueError):
                return
            with contextlib.suppress(OSError):
                os.utime(descriptor)  # used now: the last to be evicted
        if isinstance(document, dict) and document.get("format") == _FORMAT:
            entries = document.get("entries")
            if isinstance(entries, dict):
                self.entries = entries
