"""Temporary folders that name the run that made them, so the next run can remove a killed
run's and never a live one's.

A run killed by SIGKILL runs no ``finally``: its folders in the temp folder (copies of the
repository, job requests, the cluster's socket folder) stay. Each folder made here is named
``PREFIX<pid>.<start>-<random>``: the process that made it and when that process started
(``/proc/<pid>/stat``, so a recycled pid does not count as alive). :func:`made_folder` first
removes the folders of the same prefixes whose process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

SCRATCH_PREFIXES = (
    "migration-guard-hook-",
    "migration-guard-job-",
    "migration-guard-new-",
    "migration-guard-render-",
    "migration-guard-drift-",
    "mg-sock-",
)
"""Every prefix of a folder made here; each run prunes them all."""

_OWNER = re.compile(r"(\d+)\.(\d+)-")
_UNNAMED_AGE_SECONDS = 24 * 3600


def made_folder(prefix: str, parent: Path | None = None) -> Path:
    """A new folder (mode 0700) named after this process, in ``parent`` (default: the temp
    folder), after pruning the folders killed runs left there."""
    where = Path(parent or tempfile.gettempdir())
    prune(where)
    me = os.getpid()
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{me}.{_start_time(me)}-", dir=where))


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[str]:
    """Like ``tempfile.TemporaryDirectory(prefix=prefix)``, but a killed run's is pruned."""
    folder = made_folder(prefix)
    try:
        yield str(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def prune(parent: Path) -> list[Path]:
    """Remove the folders in ``parent`` with one of :data:`SCRATCH_PREFIXES` whose process is
    gone (and unnamed ones, from older versions, a day old). Only real folders, not links; only
    ours or, as root, the server account's (the socket folders). Return what was removed."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        prefix = next((p for p in SCRATCH_PREFIXES if entry.name.startswith(p)), None)
        if prefix is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid not in _owners():
            continue
        if _is_live(entry.name[len(prefix) :], info.st_mtime):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed


def _is_live(rest: str, modified: float) -> bool:
    named = _OWNER.match(rest)
    if named is None:
        return time.time() - modified < _UNNAMED_AGE_SECONDS
    pid, started = int(named.group(1)), named.group(2)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, someone else's
    return _start_time(pid) == started


def _start_time(pid: int) -> str:
    """When ``pid`` started, in clock ticks since boot ("0" where /proc does not say)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stream:
            fields = stream.read().rsplit(b")", 1)[1].split()
        return fields[19].decode()
    except (OSError, IndexError):
        return "0"


def _owners() -> set[int]:
    owners = {os.geteuid()}
    if os.geteuid() == 0:
        from migration_guard.runners.postgres.accounts import server_account

        with contextlib.suppress(Exception):
            account = server_account()
            if account is not None:
                owners.add(account.pw_uid)
    return owners
