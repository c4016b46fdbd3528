"""The ``alembic`` command line to print for the user: one that works from where they are."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from migration_guard.config.alembic_ini import AlembicSettings
from migration_guard.config.flask_migrate import runs_in_flask_app


def alembic_command(settings: AlembicSettings, *arguments: str, where: Path | None = None) -> str:
    """``alembic ARGS`` to run from ``where`` (default: the current folder).

    From the ini's folder: ``alembic ARGS`` (``-c NAME`` for another file name). Elsewhere:
    ``alembic -c PATH ARGS`` with PATH relative to ``where``, unless Alembic finds the scripts
    only from the ini's folder; then ``cd FOLDER && alembic ARGS``.
    """
    here = (where or Path.cwd()).resolve()
    ini = settings.ini_path.resolve()
    words = " ".join(_quote(argument) for argument in arguments)
    if runs_in_flask_app(ini.parent):
        return flask_db_command(settings, *arguments, where=here)
    named = "" if ini.name == "alembic.ini" else f"-c {shlex.quote(ini.name)} "
    if ini.parent == here:
        return f"alembic {named}{words}"
    if settings.runs_from_its_folder:
        return f"cd {shlex.quote(_relative(ini.parent, here))} && alembic {named}{words}"
    return f"alembic -c {shlex.quote(_relative(ini, here))} {words}"


def flask_db_command(settings: AlembicSettings, *arguments: str, where: Path) -> str:
    """``flask db ARGS`` for a Flask-Migrate project (its env.py runs only inside the app), run
    from ``where``; ``-d FOLDER`` when the migrations folder is not ``migrations`` there.
    ``downgrade -1`` is written ``downgrade``, its default (click reads ``-1`` as an option)."""
    if arguments == ("downgrade", "-1"):
        arguments = ("downgrade",)
    words = " ".join(_quote(argument) for argument in arguments)
    folder = _relative(settings.ini_path.resolve().parent, where.resolve())
    directory = "" if folder == "migrations" else f" -d {shlex.quote(folder)}"
    return f"flask db {words}{directory}"


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
