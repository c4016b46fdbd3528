"""The hook's fast path: decide "nothing relevant staged" with the standard library's lightest parts.

Called by ``cli.main`` before argparse and the commands are imported, so a commit that touches
no model and no revision pays little more than the interpreter's start. It reads less than the
full command, never differently: pyproject.toml through the same ``config_file.read_table``
(tomllib) as ``load_config``. Anything it is unsure of (an option it does not know, a config it
cannot read, an alembic.ini that needs configparser's full rules) falls through to the full
command.
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
    from migration_guard.discovery import discover_project

    return discover_project(os.getcwd())


def _config(project: str) -> tuple[list[str], str]:
    """``models`` and ``alembic_ini`` from the table tomllib reads, as ``load_config`` reads it
    (defaults included); a value of the wrong type raises, and the full command reports it."""
    from migration_guard.config_file import read_table

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
    """Versions folders for the plain cases, by a line scan of alembic.ini (configparser costs
    more than our budget); None for anything needing Alembic's full rules."""
    here = os.path.dirname(os.path.realpath(ini))
    with open(ini, encoding="utf-8") as stream:
        lines = stream.read().splitlines()
    section = None
    values: dict[str, str] = {}
    for line in lines:
        text = line.strip()
        if not text or text[0] in "#;":
            continue
        if text.startswith("["):
            section = text.strip("[]").strip()
            continue
        if line[0].isspace():
            if section == "alembic":
                return None  # a continuation line: leave it to configparser
            continue
        key, equals, value = text.partition("=")
        if section == "alembic" and equals:
            values[key.strip().lower()] = value.strip()
    location = values.get("script_location", "").replace("%(here)s", here)
    if "version_locations" in values or not location or "%" in location:
        return None
    if ":" in location and not os.path.isabs(location):
        return None
    return [os.path.realpath(os.path.join(here, location, "versions"))]
