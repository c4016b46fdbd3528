"""The ``[tool.migration-guard]`` table of a pyproject.toml, as tomllib reads it.

One reading for every caller: ``config.load_config`` validates it, and the hook's fast path reads
``models`` and ``alembic_ini`` from it, so a valid TOML spelling (``"models" = [...]``, a dotted
key, a multi-line array) means the same to both. Standard library only, nothing else imported.
"""

from __future__ import annotations

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
