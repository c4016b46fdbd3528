"""The hook's fast path: decide "nothing relevant staged" with the standard library's lightest parts.

Called by ``cli.main`` before argparse and the commands are imported, so a commit that touches
no model and no revision pays little more than the interpreter's start. Anything it is unsure
of (an option it does not know, a config it cannot read) falls through to the full command.
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
        path = os.path.realpath(name)
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

    return discover_project(os.getcwd(), _holds_table)


def _holds_table(pyproject: str) -> bool:
    """The discovery test by a line scan: a plain ``[tool.migration-guard]`` header; any other
    mention of our name in a file without one raises (the full command decides)."""
    from migration_guard.discovery import mentions_table

    if not mentions_table(pyproject):
        return False
    lines = _read(pyproject, "pyproject.toml").splitlines()
    if any(line.strip().replace(" ", "") == "[tool.migration-guard]" for line in lines):
        return True
    raise ValueError(f"{pyproject}: mentions migration-guard outside a plain table header")


def _read(path: str, kind: str) -> str:
    """The file through the same bounded read as the full command (its refusal raises here,
    and the full command reports it)."""
    from migration_guard.bounded_read import read_text

    return read_text(path, kind)


def _config(project: str) -> tuple[list[str], str]:
    """``models`` and ``alembic_ini`` read by a line scan (tomllib costs more than our budget);
    anything but one-line string values raises, and the full command takes over."""
    settings: dict[str, object] = {
        "models": ["backend/app/models"],
        "alembic_ini": "backend/alembic.ini",
    }
    pyproject = os.path.join(project, "pyproject.toml")
    if os.path.isfile(pyproject):
        lines = _read(pyproject, "pyproject.toml").splitlines()
        inside = False
        for line in lines:
            text = line.strip()
            if text.startswith("["):
                inside = text.replace(" ", "") == "[tool.migration-guard]"
                if not inside and "migration-guard" in text:
                    raise ValueError(text)
                continue
            key, equals, value = text.partition("=")
            if inside and equals and key.strip() in settings:
                settings[key.strip()] = _literal(value.strip())
    models, ini = settings["models"], settings["alembic_ini"]
    if not isinstance(models, list) or not isinstance(ini, str):
        raise ValueError("unexpected types")
    return models, os.path.join(project, ini)


def _literal(value: str) -> str | list[str]:
    """A one-line TOML basic string or array of them, without escapes."""
    if value.startswith("[") and value.endswith("]"):
        inner = value[1:-1].strip().rstrip(",")
        return [_literal(part.strip()) for part in inner.split(",")] if inner else []  # type: ignore[misc]
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'" and "\\" not in value:
        body = value[1:-1]
        if value[0] in body:
            raise ValueError(value)
        return body
    raise ValueError(value)


def _version_locations(ini: str) -> list[str] | None:
    """Versions folders for the plain cases, by a line scan of alembic.ini (configparser costs
    more than our budget); None for anything needing Alembic's full rules."""
    here = os.path.dirname(os.path.realpath(ini))
    lines = _read(ini, "alembic.ini").splitlines()
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
