"""The ``alembic`` command line to print for the user: one that works from where they are."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from migration_guard.config.alembic_ini import AlembicSettings


def alembic_command(settings: AlembicSettings, *arguments: str, where: Path | None = None) -> str:
    """``alembic ARGS`` to run from ``where`` (default: the current folder).

    From the ini's folder: ``alembic ARGS`` (``-c NAME`` for another file name). Elsewhere:
    ``alembic -c PATH ARGS`` with PATH relative to ``where``, unless Alembic finds the scripts
    only from the ini's folder; then ``cd FOLDER && alembic ARGS``.
    """
    here = (where or Path.cwd()).resolve()
    ini = settings.ini_path.resolve()
    words = " ".join(_quote(argument) for argument in arguments)
    named = "" if ini.name == "alembic.ini" else f"-c {shlex.quote(ini.name)} "
    if ini.parent == here:
        return f"alembic {named}{words}"
    if settings.runs_from_its_folder:
        return f"cd {shlex.quote(_relative(ini.parent, here))} && alembic {named}{words}"
    return f"alembic -c {shlex.quote(_relative(ini, here))} {words}"


def merge_heads_command(settings: AlembicSettings, heads: tuple[str, ...]) -> str:
    return alembic_command(settings, "merge", "-m", "merge heads", *heads)


def _relative(path: Path, start: Path) -> str:
    try:
        return Path(os.path.relpath(path, start)).as_posix()
    except ValueError:  # another drive (Windows)
        return path.as_posix()


def _quote(argument: str) -> str:
    """Shell quoting that prints ``"merge heads"`` the way people write it."""
    quoted = shlex.quote(argument)
    if quoted != argument and '"' not in argument and not any(c in argument for c in "$`\\!"):
        return f'"{argument}"'
    return quoted
