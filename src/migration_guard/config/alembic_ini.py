"""Reads the settings of alembic.ini that locate the revision files, the way Alembic reads them."""

from __future__ import annotations

import configparser
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from migration_guard.config import read_ini
from migration_guard.config.bounded_read import read_text
from migration_guard.config.flask_migrate import runs_in_flask_app
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
    runs_from_its_folder: bool = False
    """True when Alembic finds the scripts only from the ini's folder: a location relative to
    the current folder (Alembic reads them so), or a ``revision_environment`` running env.py."""

    @property
    def working_dir(self) -> Path:
        """The directory the team runs ``alembic`` from: the one holding alembic.ini."""
        return self.ini_path.parent


def read_alembic_settings(ini_path: Path, section: str = "alembic") -> AlembicSettings:
    """Parse ``ini_path``; relative paths are taken from the ini file's own directory."""
    if not ini_path.exists():  # a FIFO or /dev/zero exists: the bounded read refuses it
        raise ConfigError(
            f"{ini_path}: alembic.ini not found (set alembic_ini in [tool.migration-guard])"
        )
    here = ini_path.resolve().parent
    try:
        parser = read_ini(str(ini_path))
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{ini_path}: cannot read: not UTF-8 ({error.reason} at byte {error.start})"
        ) from None
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
    if not location and runs_in_flask_app(here):
        location = "."  # what Flask-Migrate sets at run time: the folder holding alembic.ini
    if not location:
        # Alembic 1.16+ may keep its settings in pyproject.toml's [tool.alembic] instead
        if (here / "pyproject.toml").is_file():
            return _read_toml_settings(ini_path, here / "pyproject.toml")
        raise ConfigError(f"{ini_path}: no script_location in [{section}]")
    script_location = _resolve(location, here, ini_path)
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
        versions = tuple(_resolve(part.strip(), here, ini_path) for part in parts if part.strip())
    else:
        versions = (script_location / "versions",)
    # exactly as Alembic's get_alembic_boolean_option: only the string "true" is true
    recursive = option("recursive_version_locations") == "true"
    raw_locations = [location, *(raw_versions.split() if raw_versions else [])]
    return AlembicSettings(
        ini_path=ini_path,
        script_location=script_location,
        version_locations=_inside_repository(versions, here, ini_path),
        recursive_version_locations=recursive,
        runs_from_its_folder=option("revision_environment") == "true"
        or not all(os.path.isabs(raw) for raw in raw_locations),
    )


def _read_toml_settings(ini_path: Path, toml_path: Path) -> AlembicSettings:
    """The ``[tool.alembic]`` table of a pyproject.toml, as Alembic 1.16+ reads it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib

    text = read_text(toml_path, "pyproject.toml", ConfigError)
    try:
        tool = tomllib.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{toml_path}: cannot read: {error}") from None
    table = tool.get("alembic", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{toml_path}: [tool] and [tool.alembic] must be tables")
    here = toml_path.resolve().parent
    arguments = {"here": here.as_posix()}
    location = table.get("script_location")
    if not isinstance(location, str) or not location:
        raise ConfigError(
            f"{ini_path}: no script_location in [alembic] nor in {toml_path} [tool.alembic]"
        )
    script_location = _resolve(_expand(location, arguments, toml_path), here, toml_path)
    if not script_location.is_dir():
        raise ConfigError(f"{toml_path}: script_location {location} is not a directory")
    raw_versions = table.get("version_locations")
    if isinstance(raw_versions, list) and raw_versions:
        versions = tuple(
            _resolve(_expand(str(item), arguments, toml_path), here, toml_path)
            for item in raw_versions
        )
    else:
        versions = (script_location / "versions",)
    recursive = table.get("recursive_version_locations") is True
    raw_locations = [location, *(raw_versions if isinstance(raw_versions, list) else [])]
    return AlembicSettings(
        ini_path=ini_path,
        script_location=script_location,
        version_locations=_inside_repository(versions, here, toml_path),
        recursive_version_locations=recursive,
        runs_from_its_folder=table.get("revision_environment") is True
        or not all(os.path.isabs(_expand(str(raw), arguments, toml_path)) for raw in raw_locations),
    )


def _expand(value: str, arguments: dict[str, str], source: Path) -> str:
    try:
        return value % arguments
    except (KeyError, ValueError, TypeError) as error:
        raise ConfigError(
            f"{source}: [tool.alembic] {value!r}: bad %-substitution ({error})"
        ) from None


def _inside_repository(versions: tuple[Path, ...], here: Path, source: Path) -> tuple[Path, ...]:
    """Refuse a version location outside the git work tree holding the ini: the graph is read
    from the repository (its files, its commits), never from elsewhere on the machine."""
    top = next((folder for folder in (here, *here.parents) if (folder / ".git").exists()), None)
    if top is None:
        return versions
    for location in versions:
        if not location.resolve().is_relative_to(top):
            raise ConfigError(
                f"{source}: version location {location} is outside the repository {top}"
            )
    return versions


def _resolve(location: str, here: Path, source: Path) -> Path:
    if (
        not os.path.isabs(location)
        and ":" in location
        and not re.match(r"^[A-Za-z]:[\\/]", location)
    ):
        return _resolve_package_resource(location, here, source)
    path = Path(location)
    return path if path.is_absolute() else (here / path).resolve()


def _resolve_package_resource(location: str, here: Path, source: Path) -> Path:
    """``package:folder`` names, as Alembic accepts them, without importing anything.

    Alembic imports the package to find it; that would run the repository's ``__init__.py``
    (code from a pull request). Its folders are looked for on disk instead: from the ini's
    folder up to the repository root (and their ``src/``), then the ``sys.path`` entries; only a
    top-level package found nowhere on disk is asked of ``find_spec``, which locates a top-level
    name without executing it.
    """
    package, _, rest = location.partition(":")
    names = package.split(".")
    if not package or not all(name.isidentifier() for name in names):
        raise ConfigError(f"{source}: {location}: {package!r} is not a package name")
    parts = [part for part in rest.split(":") if part]
    for base in _package_search_folders(here):
        folder = base.joinpath(*names)
        if folder.is_dir():
            return folder.joinpath(*parts).resolve()
    for top in _installed_package_folders(names[0]):
        folder = top.joinpath(*names[1:])
        if folder.is_dir():
            return folder.joinpath(*parts).resolve()
    raise ConfigError(f"{source}: {location}: package {package} not found on disk under {here}")


def _package_search_folders(here: Path) -> list[Path]:
    folders: list[Path] = []
    for folder in (here, *here.parents):
        folders += [folder, folder / "src"]
        if (folder / ".git").exists():
            break
    else:  # not in a git repository: only the ini's own folder
        folders = [here, here / "src"]
    folders += [Path(entry).resolve() for entry in sys.path if entry]
    return folders


def _installed_package_folders(top_level: str) -> list[Path]:
    """Where an installed top-level package lives; ``find_spec`` of a name without dots runs
    no package code (a dotted name would import its parents)."""
    from importlib.util import find_spec

    try:
        spec = find_spec(top_level)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(entry) for entry in spec.submodule_search_locations]
