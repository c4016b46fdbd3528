"""Detects a repository's layout: alembic.ini, its scripts and versions, the models, compose."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from migration_guard.adopt.compose import ComposeLayout, find_compose_file, read_compose
from migration_guard.adopt.env_models import ModelsFound, environment_names, find_models
from migration_guard.config.alembic_ini import AlembicSettings, read_alembic_settings
from migration_guard.config.pyproject import Config
from migration_guard.errors import ConfigError

_PRUNED = {"node_modules", "site-packages", "__pycache__", "venv", "env"}


@dataclass(frozen=True)
class Setting:
    """One ``[tool.migration-guard]`` key init would write, and why."""

    key: str
    value: Any
    comment: str


@dataclass(frozen=True)
class Layout:
    root: Path
    alembic: AlembicSettings
    script_location: str
    env_py: Path
    models: ModelsFound | None
    compose: ComposeLayout | None
    database_url_env: str | None

    def relative(self, path: Path) -> str:
        return Path(os.path.relpath(path.resolve(), self.root.resolve())).as_posix()

    def settings(self) -> list[Setting]:
        """Every detected value that differs from the contract's default."""
        candidates: list[Setting] = [
            Setting(
                "alembic_ini",
                self.relative(self.alembic.ini_path),
                f"found {self.relative(self.alembic.ini_path)} (script_location = "
                f"{self.script_location})",
            )
        ]
        if self.models is not None:
            paths = [self.relative(path) for path in self.models.paths]
            candidates.append(Setting("models", paths, self.models.reason))
        if self.compose is not None:
            shown = self.relative(self.compose.path)
            candidates.append(Setting("compose_file", shown, f"found {shown}"))
            if self.compose.app_service:
                reason = f"the service that {self.compose.app_reason}"
                candidates.append(Setting("compose_service", self.compose.app_service, reason))
            if self.compose.db_service:
                reason = f"the service running {self.compose.db_image}"
                candidates.append(Setting("db_service", self.compose.db_service, reason))
            # test_database_url is not written: left unset, `new` derives it from the same
            # compose files (overrides included) each time, so it follows them
        if self.database_url_env:
            reason = f"{self.relative(self.env_py)} reads it from the environment"
            candidates.append(Setting("database_url_env", self.database_url_env, reason))
        defaults = {f.name: f.default for f in fields(Config)}
        return [s for s in candidates if _comparable(s.value) != _comparable(defaults[s.key])]

    def summary(self) -> dict[str, Any]:
        compose = self.compose
        return {
            "alembic_ini": self.relative(self.alembic.ini_path),
            "script_location": self.relative(self.alembic.script_location),
            "version_locations": [self.relative(p) for p in self.alembic.version_locations],
            "env_py": self.relative(self.env_py),
            "models": [self.relative(p) for p in self.models.paths] if self.models else None,
            "compose_file": self.relative(compose.path) if compose else None,
            "compose_service": compose.app_service if compose else None,
            "db_service": compose.db_service if compose else None,
            "database_url_env": self.database_url_env,
        }


def _comparable(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def detect_layout(root: Path) -> Layout:
    """Read the project at ``root``; no alembic.ini, or an env.py that cannot be parsed, is an
    input error. Nothing is imported."""
    ini = find_alembic_ini(root)
    alembic = read_alembic_settings(ini)
    location = _raw_script_location(ini)
    env_py = alembic.script_location / "env.py"
    if not env_py.is_file():
        raise ConfigError(f"{env_py}: env.py not found in script_location {location}")
    top = repository_top(root) or root.resolve()
    roots = _search_roots(ini, top)
    skipped = {alembic.script_location.resolve(), *(p.resolve() for p in alembic.version_locations)}
    models = find_models(env_py, roots, skipped, home=ini.parent.resolve(), shown_from=root)
    upwards = [root.resolve(), *root.resolve().parents]
    above = upwards[: upwards.index(top) + 1] if top in upwards else upwards[:1]
    compose_path = find_compose_file(list(dict.fromkeys([root, ini.parent, *above])))
    compose = read_compose(compose_path, ini.parent) if compose_path else None
    names = environment_names(env_py)
    url_names = [name for name in names if re.search(r"URL|URI|DSN|DATABASE", name, re.I)]
    database_url_env = url_names[0] if len(url_names) == 1 and "DATABASE_URL" not in names else None
    return Layout(
        root=root,
        alembic=alembic,
        script_location=location,
        env_py=env_py,
        models=models,
        compose=compose,
        database_url_env=database_url_env,
    )


def find_alembic_ini(root: Path) -> Path:
    """``alembic.ini`` at ``root``, else in ``backend/``, else the only one a folder down."""
    for candidate in (root / "alembic.ini", root / "backend" / "alembic.ini"):
        if candidate.is_file():
            return candidate
    found = sorted(
        folder / "alembic.ini"
        for folder in root.iterdir()
        if folder.is_dir()
        and not folder.name.startswith(".")
        and folder.name not in _PRUNED
        and (folder / "alembic.ini").is_file()
    )
    if not found:
        raise ConfigError(f"{root}: no alembic.ini here, in backend/ or one folder down")
    if len(found) > 1:
        names = ", ".join(path.relative_to(root).as_posix() for path in found)
        raise ConfigError(
            f"{root}: several alembic.ini ({names}); run init with --project set to the one "
            "to guard, or set alembic_ini in [tool.migration-guard] by hand"
        )
    return found[0]


def _raw_script_location(ini: Path) -> str:
    import configparser

    from migration_guard.config.bounded_read import read_text
    from migration_guard.config.flask_migrate import runs_in_flask_app
    from migration_guard.errors import ConfigError

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_text(ini, "alembic.ini", ConfigError), source=str(ini))
        location = parser.get("alembic", "script_location", fallback="").strip()
        if not location and runs_in_flask_app(ini.parent):
            return "none: Flask-Migrate's, the folder of alembic.ini"
        return location or "[tool.alembic]"
    except (configparser.Error, ConfigError):
        return "?"


def repository_top(folder: Path) -> Path | None:
    """The git work tree holding ``folder`` (``None`` outside git)."""
    resolved = folder.resolve()
    return next((f for f in (resolved, *resolved.parents) if (f / ".git").exists()), None)


def _search_roots(ini: Path, top: Path) -> list[Path]:
    """Where ``import app.models`` is looked for: alembic.ini's ``prepend_sys_path`` and folder,
    then its parents up to the repository root, each with its ``src/``."""
    import configparser

    here = ini.resolve().parent
    roots: list[Path] = []
    from migration_guard.config.bounded_read import read_text
    from migration_guard.errors import ConfigError

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(read_text(ini, "alembic.ini", ConfigError), source=str(ini))
        prepend = parser.get("alembic", "prepend_sys_path", fallback="") or ""
    except (configparser.Error, ConfigError):
        prepend = ""
    for entry in re.split(r"[\s,;" + re.escape(os.pathsep) + "]+", prepend):
        if entry:
            roots.append((here / entry.replace("%(here)s", str(here))).resolve())
    for folder in (here, *here.parents):
        roots += [folder, folder / "src"]
        if folder == top or not folder.is_relative_to(top):
            break
    return list(dict.fromkeys(roots))
