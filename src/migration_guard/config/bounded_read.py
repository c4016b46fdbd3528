"""Every file the project hands us is read here: with a size cap, regular files only, one wording.

A repository is untrusted input. Without these limits a 50 MB compose file takes minutes to
parse, ``pyproject.toml -> /dev/zero`` ends in a MemoryError and a FIFO blocks forever; with
them each is one ``path: cannot read: …`` line and exit 2. The expansion bombs of the two
formats that have them are bounded too: YAML aliases here (:func:`load_yaml`), configparser's
``%(name)s`` interpolation where alembic.ini is read (``alembic_ini.BoundedInterpolation``).

The caps are generous for real files (see :data:`LIMITS`); SECURITY.md lists them. Only
``os`` and ``stat`` load with this module: discovery on the hook's fast path reads through it.
"""

from __future__ import annotations

import os
import stat

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the hook's fast path)
if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path
    from typing import Any, BinaryIO

    from migration_guard.errors import GuardError

MIB = 1024 * 1024
LIMITS: dict[str, int] = {
    "pyproject.toml": 4 * MIB,
    ".python-version": 1 * MIB,
    "alembic.ini": 1 * MIB,
    "compose file": 1 * MIB,
    ".pre-commit-config.yaml": 1 * MIB,
    "workflow file": 1 * MIB,
    "revision file": 10 * MIB,
    "SQL file": 64 * MIB,
}
"""The largest file of each kind we read, in bytes."""

MAX_YAML_NODES = 250_000
"""YAML nodes after alias expansion (a real compose file has a few thousand)."""
MAX_INTERPOLATED_CHARS = 64 * 1024
"""The longest value ``%(name)s`` interpolation may build in alembic.ini."""


def read_bytes(path: Path | str, kind: str, error: type[GuardError] | None = None) -> bytes:
    """The bytes of ``path``, a regular file of at most ``LIMITS[kind]`` bytes; anything else
    (too big, a device such as /dev/zero, a FIFO, a folder, unreadable) raises ``error``
    (:class:`~migration_guard.errors.InputError` unless given) with ``path: cannot read: …``."""
    limit = LIMITS[kind]
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as failure:
        raise _refusal(path, failure.strerror or str(failure), error) from None
    with os.fdopen(descriptor, "rb") as stream:
        status = os.fstat(descriptor)
        if not stat.S_ISREG(status.st_mode):
            reason = f"not a regular file ({_kind_of(status.st_mode)})"
            raise _refusal(path, reason, error)
        if status.st_size > limit:
            raise _refusal(path, _too_big(status.st_size, limit, kind), error)
        try:
            data = stream.read(limit + 1)
        except OSError as failure:
            raise _refusal(path, failure.strerror or str(failure), error) from None
    if len(data) > limit:  # it grew while we looked
        raise _refusal(path, _too_big(len(data), limit, kind), error)
    return data


def check_size(shown: str, size: int, kind: str) -> None:
    """Refuse ``size`` bytes over ``LIMITS[kind]`` (a git blob, before it is read)."""
    if size > LIMITS[kind]:
        raise _refusal(shown, _too_big(size, LIMITS[kind], kind), None)


def read_stream(stream: BinaryIO, shown: str, kind: str) -> bytes:
    """At most ``LIMITS[kind]`` bytes of ``stream`` (stdin: ``lint --sql -``); more is refused
    as a file would be, with ``shown`` as its name."""
    limit = LIMITS[kind]
    try:
        data = stream.read(limit + 1)
    except OSError as failure:
        raise _refusal(shown, failure.strerror or str(failure), None) from None
    if len(data) > limit:
        raise _refusal(shown, f"more than the {limit // MIB} MiB migration-guard reads", None)
    return data


def read_text(path: Path | str, kind: str, error: type[GuardError] | None = None) -> str:
    """:func:`read_bytes` decoded as UTF-8, every byte kept (a byte-order mark too, newlines
    as they are: ``init`` writes these files back)."""
    data = read_bytes(path, kind, error)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as failure:
        reason = f"not UTF-8 ({failure.reason} at byte {failure.start})"
        raise _refusal(path, reason, error) from None


def _refusal(path: Path | str, reason: str, error: type[GuardError] | None) -> GuardError:
    """The one wording; the errors module loads only now (the hook's fast path reads files)."""
    if error is None:
        from migration_guard.errors import InputError

        error = InputError
    return error(f"{path}: cannot read: {reason}")


def _too_big(size: int, limit: int, kind: str) -> str:
    return f"{size / MIB:.1f} MiB is over the {limit // MIB} MiB migration-guard reads of a {kind}"


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


def load_yaml(text: str, source: Path | str, error: type[GuardError] | None = None) -> Any:
    """``yaml.safe_load(text)`` that refuses alias bombs (more than :data:`MAX_YAML_NODES`
    nodes once aliases are expanded) and recursive aliases before building anything."""
    import yaml

    if error is None:
        from migration_guard.errors import InputError

        error = InputError
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node, source, error)
        return loader.construct_document(node)
    except RecursionError:
        raise error(f"{source}: cannot parse: nested too deeply") from None
    finally:
        loader.dispose()


def _check_expansion(root: Any, source: Path | str, error: type[GuardError]) -> None:
    """Count the nodes ``root`` stands for with every alias expanded, each shared node counted
    once per use (sizes multiply, so a few hundred bytes can stand for billions)."""
    import yaml

    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node, yaml))
            if total > MAX_YAML_NODES:
                raise error(
                    f"{source}: cannot parse: its aliases expand to over {MAX_YAML_NODES:,} "
                    "YAML nodes (an alias bomb?)"
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise error(f"{source}: cannot parse: an alias refers to a node that contains it")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node, yaml) if id(child) not in sizes)


def _children(node: Any, yaml: Any) -> Iterator[Any]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value
