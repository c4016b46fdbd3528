"""The hook's fast path: decide "nothing relevant staged" with the standard library's lightest parts.

Called by ``cli.main`` before argparse and the commands are imported, so a commit that touches
no model and no revision pays little more than the interpreter's start. It reads less than the
full command, never differently: pyproject.toml and alembic.ini through the same
``config`` readings (tomllib, configparser) as ``load_config`` and ``read_alembic_settings``.
Anything it is unsure of (an option it does not know, a config it cannot read, several versions
folders) falls through to the full command.

The package is the pre-commit hook's own parts: this fast path, one report per check in a
pre-commit run (:mod:`~migration_guard.hook.reported`) and the plain git hooks
``install-hook`` writes (:mod:`~migration_guard.hook.git_hooks`). The fast path is the
package itself so that a commit touching nothing relevant imports no module more.
"""

from __future__ import annotations

import os

_VALUE_OPTIONS = ("--project", "--format")
_FLAG_OPTIONS = ("--no-color",)


def quick_hook_exit(argv: list[str]) -> int | None:
    """0 when ``argv`` is ``[global options] hook FILE…`` and no FILE can matter, else None."""
    project: str | None = None
    position = 0
    while position < len(argv) and argv[position] != "hook":
        word = argv[position]
        name, equals, value = word.partition("=")
        if name in _VALUE_OPTIONS and equals:
            position += 1
        elif word in _VALUE_OPTIONS and position + 1 < len(argv):
            name, value = word, argv[position + 1]
            position += 2
        elif word in _FLAG_OPTIONS:
            position += 1
            continue
        else:
            return None
        if name == "--project":
            project = value
        if name == "--format" and value != "text":
            return None  # the full hook prints the format's empty report
    files = argv[position + 1 :]
    if position >= len(argv) or not files or any(name.startswith("-") for name in files):
        return None
    python_files = [name for name in files if name.endswith(".py")]
    if not python_files:
        return 0
    folders = _watched_folders(project)
    if folders is None:
        return None
    for name in python_files:
        # as git names it: the folder resolved, the file not (a link under versions/ is a
        # revision, wherever it points)
        path = os.path.join(
            os.path.realpath(os.path.dirname(os.path.abspath(name))), os.path.basename(name)
        )
        if any(path == folder or path.startswith(folder + os.sep) for folder in folders):
            return None
    return 0


def _watched_folders(given: str | None) -> list[str] | None:
    """The models folders and the versions folders, or None when unsure (let the full hook decide)."""
    try:
        project = given if given is not None else _discover()
        models, ini = _config(project)
        versions = _version_locations(ini)
    except Exception:  # any doubt: the full command reads the config and reports properly
        return None
    if versions is None:
        return None
    return [os.path.realpath(os.path.join(project, folder)) for folder in models] + versions


def _discover() -> str:
    from migration_guard.config.discovery import discover_project

    return discover_project(os.getcwd())


def _config(project: str) -> tuple[list[str], str]:
    """``models`` and ``alembic_ini`` from the table tomllib reads, as ``load_config`` reads it
    (defaults included); a value of the wrong type raises, and the full command reports it."""
    from migration_guard.config import read_table

    pyproject = os.path.join(project, "pyproject.toml")
    table = read_table(pyproject) if os.path.isfile(pyproject) else {}
    models = table.get("models", ["backend/app/models"])
    ini = table.get("alembic_ini", "backend/alembic.ini")
    if not isinstance(models, list) or not all(isinstance(item, str) for item in models):
        raise ValueError("models: unexpected type")
    if not isinstance(ini, str):
        raise ValueError("alembic_ini: unexpected type")
    path = os.path.join(project, ini)
    at_root = os.path.join(project, "alembic.ini")
    if "alembic_ini" not in table and not os.path.isfile(path) and os.path.isfile(at_root):
        path = at_root  # Config.alembic_ini_path's fallback
    return models, path


def _version_locations(ini: str) -> list[str] | None:
    """The versions folder for the plain case (``script_location`` a folder, no
    ``version_locations``), read by the same configparser reading as ``read_alembic_settings``;
    None for anything needing Alembic's further rules (a package resource, several folders)."""
    from migration_guard.config import read_ini

    parser = read_ini(ini)
    location = parser.get("alembic", "script_location", fallback="").strip()
    if not location:
        from migration_guard.config.flask_migrate import runs_in_flask_app

        if runs_in_flask_app(os.path.dirname(os.path.realpath(ini))):
            location = "."  # Flask-Migrate's, as read_alembic_settings reads it
    if not location or parser.get("alembic", "version_locations", fallback=None) is not None:
        return None  # [tool.alembic], or version_locations: the full command reads them
    if ":" in location and not os.path.isabs(location):
        return None
    here = os.path.dirname(os.path.realpath(ini))
    return [os.path.realpath(os.path.join(here, location, "versions"))]
