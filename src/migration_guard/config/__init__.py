"""The two config files, each read by one parser for every caller.

``[tool.migration-guard]`` of pyproject.toml by tomllib, alembic.ini by configparser with
``%(here)s``: ``config.load_config`` and ``alembic_ini.read_alembic_settings`` validate what these
return, and the hook's fast path reads ``models``, ``alembic_ini`` and ``script_location`` from
them, so a valid spelling (``"models" = [...]``, a multi-line array, ``script_location:``) means
the same to both. Standard library and ``bounded_read`` (every file within its limits) only.

The package is the project's settings: ``[tool.migration-guard]``
(:mod:`~migration_guard.config.pyproject`), alembic.ini
(:mod:`~migration_guard.config.alembic_ini`), where they are found
(:mod:`~migration_guard.config.discovery`) and the bounded read every project file goes
through (:mod:`~migration_guard.config.bounded_read`). Separate because every stage, and
the hook's fast path, reads settings through it; the two parsers are the package itself
so the fast path enters no module it does not use.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Mapping, MutableMapping

from migration_guard.config.bounded_read import MAX_INTERPOLATED_CHARS, read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from migration_guard.errors import ConfigError


class TableError(ValueError):
    """The file cannot be read, or its ``[tool]`` / ``[tool.migration-guard]`` is no table."""


def read_table(pyproject: str) -> dict[str, object]:
    """The ``[tool.migration-guard]`` table of ``pyproject`` (empty when it has none), read
    within ``bounded_read``'s limits (a refusal raises its one-line ``GuardError``)."""
    text = read_text(pyproject, "pyproject.toml", _config_error())
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TableError(f"{pyproject}: cannot read: {error}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise TableError(f"{pyproject}: [tool] must be a table")
    table = tool.get("migration-guard", {})
    if not isinstance(table, dict):
        raise TableError(f"{pyproject}: [tool.migration-guard] must be a table")
    return table


def read_ini(ini_path: str) -> configparser.ConfigParser:
    """alembic.ini as Alembic reads it: ``%(here)s`` is the folder holding it, with
    interpolation bounded. A file the bounded read refuses raises its ``ConfigError``; bad
    syntax raises ``configparser.Error`` for the caller to word."""
    here = os.path.dirname(os.path.realpath(ini_path))
    parser = configparser.ConfigParser(
        defaults={"here": here}, interpolation=BoundedInterpolation()
    )
    parser.read_string(read_text(ini_path, "alembic.ini", _config_error()), source=ini_path)
    return parser


def _config_error() -> type[ConfigError]:
    from migration_guard.errors import ConfigError

    return ConfigError


class BoundedInterpolation(configparser.BasicInterpolation):
    """configparser's ``%(name)s`` interpolation (what Alembic uses), refusing a value that
    grows past :data:`MAX_INTERPOLATED_CHARS`: nine references per line over the ten allowed
    levels make 9**10 copies from a 600-byte file, which the standard class builds forever."""

    def before_get(
        self,
        parser: MutableMapping[str, Mapping[str, str]],
        section: str,
        option: str,
        value: str,
        defaults: Mapping[str, str],
    ) -> str:
        pieces = _CappedPieces(option)
        self._interpolate_some(parser, option, pieces, value, section, defaults, 1)  # type: ignore[attr-defined]
        return "".join(pieces)


class _CappedPieces(list[str]):
    def __init__(self, option: str) -> None:
        super().__init__()
        self.option = option
        self.length = 0

    def append(self, piece: str) -> None:
        self.length += len(piece)
        if self.length > MAX_INTERPOLATED_CHARS:
            raise configparser.InterpolationError(
                self.option,
                "",
                f"interpolation builds a value over {MAX_INTERPOLATED_CHARS // 1024} KiB",
            )
        super().append(piece)
