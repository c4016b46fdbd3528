"""Reads ``[tool.migration-guard]`` from the project's pyproject.toml."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from migration_guard.config import TableError, read_table
from migration_guard.errors import ConfigError

RUNNERS = ("auto", "docker", "local")
POSTGRES_CHOICES = ("auto", "embedded")
"""``postgres``'s words; any other value is a folder holding ``initdb`` and ``postgres``."""
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
    # unset: derived from the compose files where they say it, else no test command is printed
    test_database_url: str | None = None
    # unset: the branch origin/HEAD points at, else origin/main (gitrepo.default_base)
    base: str | None = None
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
    trace_timeout: int = 300
    """Seconds each step (upgrade, downgrade) of a traced revision may run before it is cancelled."""
    fix: bool | str = False
    """``"hook"``: ``new`` and the hook apply ``fix`` to the generated revision before showing it."""
    lock_timeout: str = "10s"
    """What ``fix`` sets for ``require-lock-timeout``."""
    statement_timeout: str = "1h"
    """What ``fix`` sets for ``require-statement-timeout``."""
    postgres: str = "auto"
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

    @property
    def postgres_choice(self) -> str:
        """``postgres`` with a folder made absolute (relative to the project's root)."""
        if self.postgres in POSTGRES_CHOICES:
            return self.postgres
        return os.path.normpath(self.root / Path(self.postgres).expanduser())


_STRING_KEYS = {
    "alembic_ini",
    "compose_file",
    "compose_service",
    "db_service",
    "runner",
    "database_url_env",
    "test_database_url",
    "base",
    "lock_timeout",
    "statement_timeout",
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
    try:
        table = read_table(str(pyproject))
    except TableError as error:
        raise ConfigError(str(error)) from None
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
        elif key in ("max_heads", "trace_timeout"):
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
        elif key == "fix":
            if value not in (False, "hook"):
                raise ConfigError(f'{where}: expected false or "hook"')
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
        elif key == "postgres":
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(
                    f'{where}: expected "auto", "embedded" or the folder holding the '
                    "PostgreSQL server's initdb and postgres"
                )
            values[key] = value.strip()
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
