"""Reads ``[tool.migration-guard]`` from the project's pyproject.toml."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from migration_guard.bounded_read import read_text
from migration_guard.errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

RUNNERS = ("auto", "docker", "local")
# PostgreSQL major versions the version-dependent rules know about; the default is the newest.
SUPPORTED_PG_VERSIONS = range(10, 19)
NEWEST_PG_VERSION = SUPPORTED_PG_VERSIONS[-1]


@dataclass(frozen=True)
class Config:
    """The project's settings; every field has the contract's default."""

    root: Path
    models: tuple[str, ...] = ("backend/app/models",)
    alembic_ini: str = "backend/alembic.ini"
    compose_file: str = "docker-compose.yml"
    compose_service: str = "backend"
    db_service: str = "db"
    runner: str = "auto"
    database_url_env: str = "DATABASE_URL"
    test_database_url: str = "postgresql://catalyst:catalyst@db:5432/catalyst_test"
    base: str = "origin/main"
    max_heads: int = 1
    protected_tables: tuple[str, ...] = ("audit_log",)
    soft_delete_columns: tuple[str, ...] = ("is_deleted", "deleted_at")
    search_vector_columns: tuple[str, ...] = ("search_vector", "*_tsv", "*_search_vector")
    disable: tuple[str, ...] = ()
    severity: dict[str, str] = field(default_factory=dict)
    enable: tuple[str, ...] = ()
    pg_version: int = NEWEST_PG_VERSION
    drift: bool = True
    trace: bool | str = False
    trace_seed: bool | str = False
    explicit: frozenset[str] = field(default=frozenset(), compare=False)
    """The keys the project set itself (the others have the contract's defaults)."""

    @property
    def alembic_ini_path(self) -> Path:
        """The configured alembic.ini; left unset, the reference layout's, else the one most
        projects keep at their root."""
        configured = self.root / self.alembic_ini
        if "alembic_ini" not in self.explicit and not configured.is_file():
            at_root = self.root / "alembic.ini"
            if at_root.is_file():
                return at_root
        return configured

    @property
    def compose_path(self) -> Path:
        return self.root / self.compose_file


_STRING_KEYS = {
    "alembic_ini",
    "compose_file",
    "compose_service",
    "db_service",
    "runner",
    "database_url_env",
    "test_database_url",
    "base",
}
_LIST_KEYS = {
    "models",
    "protected_tables",
    "soft_delete_columns",
    "search_vector_columns",
    "disable",
    "enable",
}
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
KEYS = tuple(f.name for f in fields(Config) if f.name not in ("root", "explicit"))


def load_config(root: Path) -> Config:
    """Load the config of the project at ``root``; a missing pyproject.toml means all defaults."""
    pyproject = root / "pyproject.toml"
    if not pyproject.exists():
        return Config(root=root)
    text = read_text(pyproject, "pyproject.toml", ConfigError)
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{pyproject}: cannot read: {error}") from None
    tool = document.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{pyproject}: [tool] must be a table")
    table = tool.get("migration-guard", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{pyproject}: [tool.migration-guard] must be a table")
    return config_from_table(root, table, str(pyproject))


def config_from_table(root: Path, table: dict[str, Any], source: str) -> Config:
    """Validate ``table`` key by key; an unknown key or a wrong type names the key and ``source``."""
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{source}: [tool.migration-guard] {key}"
        if key in _STRING_KEYS:
            if not isinstance(value, str):
                raise ConfigError(f"{where}: expected a string, got {type(value).__name__}")
            if key == "database_url_env" and not _ENV_NAME.fullmatch(value):
                raise ConfigError(f"{where}: {value!r} is not an environment variable name")
            values[key] = value
        elif key in _LIST_KEYS:
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{where}: expected a list of strings")
            values[key] = tuple(value)
        elif key == "max_heads":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{where}: expected a whole number of at least 1")
            values[key] = value
        elif key == "drift":
            if not isinstance(value, bool):
                raise ConfigError(f"{where}: expected true or false")
            values[key] = value
        elif key == "trace":
            if value not in (True, False, "hook"):
                raise ConfigError(f'{where}: expected true, false or "hook"')
            values[key] = value
        elif key == "trace_seed":
            if not isinstance(value, (bool, str)) or value == "":
                raise ConfigError(f"{where}: expected true, false or a seed SQL file path")
            values[key] = value
        elif key == "severity":
            if not isinstance(value, dict) or not all(
                isinstance(level, str) and level in ("error", "warning") for level in value.values()
            ):
                raise ConfigError(f'{where}: expected a table of rule id = "error" or "warning"')
            values[key] = dict(value)
        elif key == "pg_version":
            values[key] = _pg_version(value, where)
        else:
            known = ", ".join(KEYS)
            raise ConfigError(f"{where}: unknown key (known keys: {known})")
    if values.get("runner", "auto") not in RUNNERS:
        raise ConfigError(
            f"{source}: [tool.migration-guard] runner: expected one of {', '.join(RUNNERS)}"
        )
    return Config(root=root, explicit=frozenset(values), **values)


def _pg_version(value: object, where: str) -> int:
    """``17``, ``"17"`` or ``"17.2"`` -> 17, within the supported range."""
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    match = re.fullmatch(r"(\d+)(\.\d+)?", text.strip())
    supported = f"{SUPPORTED_PG_VERSIONS[0]} to {NEWEST_PG_VERSION}"
    if match is None:
        raise ConfigError(f"{where}: expected a PostgreSQL major version ({supported})")
    major = int(match.group(1))
    if major not in SUPPORTED_PG_VERSIONS:
        raise ConfigError(f"{where}: unsupported version {major} (supported: {supported})")
    return major
