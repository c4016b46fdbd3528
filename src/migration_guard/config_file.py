"""The two config files, each read by one parser for every caller.

``[tool.migration-guard]`` of pyproject.toml by tomllib, alembic.ini by configparser with
``%(here)s``: ``config.load_config`` and ``alembic_ini.read_alembic_settings`` validate what these
return, and the hook's fast path reads ``models``, ``alembic_ini`` and ``script_location`` from
them, so a valid spelling (``"models" = [...]``, a multi-line array, ``script_location:``) means
the same to both. Standard library only, nothing else imported.
"""

from __future__ import annotations

import configparser
import os
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


class TableError(ValueError):
    """The file cannot be read, or its ``[tool]`` / ``[tool.migration-guard]`` is no table."""


def read_table(pyproject: str) -> dict[str, object]:
    """The ``[tool.migration-guard]`` table of ``pyproject`` (empty when it has none)."""
    try:
        with open(pyproject, "rb") as stream:
            document = tomllib.load(stream)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise TableError(f"{pyproject}: cannot read: {error}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise TableError(f"{pyproject}: [tool] must be a table")
    table = tool.get("migration-guard", {})
    if not isinstance(table, dict):
        raise TableError(f"{pyproject}: [tool.migration-guard] must be a table")
    return table


def read_ini(ini_path: str) -> configparser.ConfigParser:
    """alembic.ini as Alembic reads it: ``%(here)s`` is the folder holding it. Raises
    ``UnicodeDecodeError`` and ``configparser.Error`` for the caller to word."""
    here = os.path.dirname(os.path.realpath(ini_path))
    parser = configparser.ConfigParser(defaults={"here": here})
    parser.read(ini_path, encoding="utf-8")
    return parser
