"""Reads the settings of alembic.ini that locate the revision files, the way Alembic reads them."""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from migration_guard.errors import ConfigError

_SEPARATORS = {"space": " ", "newline": "\n", "os": os.pathsep, ":": ":", ";": ";"}
_LEGACY_SPLIT = re.compile(r", *|(?: +)")


@dataclass(frozen=True)
class AlembicSettings:
    """Where an Alembic project keeps its scripts and revision files."""

    ini_path: Path
    script_location: Path
    version_locations: tuple[Path, ...]
    recursive_version_locations: bool
    version_table: str = "alembic_version"

    @property
    def working_dir(self) -> Path:
        """The directory the team runs ``alembic`` from: the one holding alembic.ini."""
        return self.ini_path.parent


def read_alembic_settings(ini_path: Path, section: str = "alembic") -> AlembicSettings:
    """Parse ``ini_path``; relative paths are taken from the ini file's own directory."""
    if not ini_path.is_file():
        raise ConfigError(
            f"{ini_path}: alembic.ini not found (set alembic_ini in [tool.migration-guard])"
        )
    here = ini_path.resolve().parent
    parser = configparser.ConfigParser(defaults={"here": here.as_posix()})
    try:
        parser.read(ini_path, encoding="utf-8")
    except configparser.Error as error:
        first_line = str(error).splitlines()[0]
        raise ConfigError(f"{ini_path}: cannot parse: {first_line}") from None
    if not parser.has_section(section):
        raise ConfigError(f"{ini_path}: no [{section}] section")

    def option(name: str) -> str | None:
        try:
            value = parser.get(section, name, fallback=None)
        except configparser.Error as error:
            raise ConfigError(f"{ini_path}: [{section}] {name}: {error}") from None
        return value.strip() if value is not None else None

    location = option("script_location")
    if not location:
        # Alembic 1.16+ may keep its settings in pyproject.toml's [tool.alembic] instead
        if (here / "pyproject.toml").is_file():
            return _read_toml_settings(ini_path, here / "pyproject.toml")
        raise ConfigError(f"{ini_path}: no script_location in [{section}]")
    script_location = _resolve(location, here)
    if not script_location.is_dir():
        raise ConfigError(f"{ini_path}: script_location {location} is not a directory")

    raw_versions = option("version_locations")
    if raw_versions:
        separator_name = option("path_separator") or option("version_path_separator")
        if separator_name is None:
            parts = _LEGACY_SPLIT.split(raw_versions)
        elif separator_name in _SEPARATORS:
            parts = raw_versions.split(_SEPARATORS[separator_name])
        else:
            raise ConfigError(
                f"{ini_path}: path_separator {separator_name!r} is not one of "
                "space, newline, os, ':', ';'"
            )
        versions = tuple(_resolve(part.strip(), here) for part in parts if part.strip())
    else:
        versions = (script_location / "versions",)
    # exactly as Alembic's get_alembic_boolean_option: only the string "true" is true
    recursive = option("recursive_version_locations") == "true"
    return AlembicSettings(
        ini_path=ini_path,
        script_location=script_location,
        version_locations=versions,
        recursive_version_locations=recursive,
    )


def _read_toml_settings(ini_path: Path, toml_path: Path) -> AlembicSettings:
    """The ``[tool.alembic]`` table of a pyproject.toml, as Alembic 1.16+ reads it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    try:
        with toml_path.open("rb") as stream:
            table = tomllib.load(stream).get("tool", {}).get("alembic", {})
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"{toml_path}: cannot read: {error}") from None
    here = toml_path.resolve().parent
    arguments = {"here": here.as_posix()}
    location = table.get("script_location")
    if not isinstance(location, str) or not location:
        raise ConfigError(
            f"{ini_path}: no script_location in [alembic] nor in {toml_path} [tool.alembic]"
        )
    script_location = _resolve(location % arguments, here)
    if not script_location.is_dir():
        raise ConfigError(f"{toml_path}: script_location {location} is not a directory")
    raw_versions = table.get("version_locations")
    if isinstance(raw_versions, list) and raw_versions:
        versions = tuple(_resolve(str(item) % arguments, here) for item in raw_versions)
    else:
        versions = (script_location / "versions",)
    recursive = table.get("recursive_version_locations") is True
    return AlembicSettings(
        ini_path=ini_path,
        script_location=script_location,
        version_locations=versions,
        recursive_version_locations=recursive,
    )


def _resolve(location: str, here: Path) -> Path:
    if (
        not os.path.isabs(location)
        and ":" in location
        and not re.match(r"^[A-Za-z]:[\\/]", location)
    ):
        return _resolve_package_resource(location)
    path = Path(location)
    return path if path.is_absolute() else (here / path).resolve()


def _resolve_package_resource(location: str) -> Path:
    """``package:folder`` names, as Alembic accepts them, without importing the package."""
    from importlib.util import find_spec

    package, *parts = location.split(":")
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"script_location {location}: package {package} not found")
    return Path(next(iter(spec.submodule_search_locations)), *parts)
