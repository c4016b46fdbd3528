"""Finds the compose file and, among its services, the PostgreSQL one and the application one."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import yaml

from migration_guard.config.bounded_read import load_yaml, read_text
from migration_guard.errors import InputError

# Docker Compose's own order of preference.
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
_POSTGRES_IMAGES = ("postgres", "postgis", "pgvector", "timescaledb")
_INTERPOLATED = re.compile(r"\$")


@dataclass(frozen=True)
class ComposeLayout:
    path: Path
    db_service: str | None
    db_image: str | None
    app_service: str | None
    app_reason: str | None
    test_database_url: str | None


def find_compose_file(folders: list[Path]) -> Path | None:
    for folder in folders:
        for name in COMPOSE_NAMES:
            if (folder / name).exists():  # not only files: the bounded read refuses the rest
                return folder / name
    return None


def read_compose(path: Path, app_folder: Path) -> ComposeLayout:
    """The services of ``path``: the database (a PostgreSQL image; ``db`` wins a tie) and the
    application (the one that builds or mounts ``app_folder``, else its closest parent)."""
    try:
        document = load_yaml(read_text(path, "compose file"), path)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise InputError(f"{where}: cannot parse: {problem}") from None
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        services = {}
    databases = [
        (str(name), _image(service))
        for name, service in services.items()
        if isinstance(service, dict) and _is_postgres(_image(service))
    ]
    databases.sort(key=lambda entry: entry[0] != "db")
    db_service, db_image = databases[0] if databases else (None, None)
    app_service, app_reason = _app_service(services, path.parent, app_folder.resolve())
    url = test_url_of(services.get(db_service) if db_service else None, db_service)
    return ComposeLayout(
        path=path,
        db_service=db_service,
        db_image=db_image,
        app_service=app_service,
        app_reason=app_reason,
        test_database_url=url,
    )


def _image(service: dict[str, Any]) -> str | None:
    image = service.get("image")
    return image if isinstance(image, str) else None


def _is_postgres(image: str | None) -> bool:
    if not image:
        return False
    repository = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0].lower()
    return repository.startswith(_POSTGRES_IMAGES)


def _app_service(
    services: dict[Any, Any], compose_folder: Path, app_folder: Path
) -> tuple[str | None, str | None]:
    best: tuple[int, str, str] | None = None
    for name, service in services.items():
        if not isinstance(service, dict):
            continue
        for what, source in _sources(service):
            folder = (compose_folder / source).resolve()
            if folder == app_folder:
                distance = 0
            elif app_folder.is_relative_to(folder):
                distance = len(app_folder.relative_to(folder).parts)
            else:
                continue
            if best is None or distance < best[0]:
                best = (distance, str(name), f"{what} {source}")
    return (best[1], best[2]) if best else (None, None)


def _sources(service: dict[str, Any]) -> list[tuple[str, str]]:
    """(``builds``/``mounts``, the local folder) for the service's build context and bind mounts."""
    found: list[tuple[str, str]] = []
    build = service.get("build")
    context = build.get("context", ".") if isinstance(build, dict) else build
    if isinstance(context, str) and "://" not in context and not _INTERPOLATED.search(context):
        found.append(("builds", context))
    for volume in service.get("volumes") or []:
        source = None
        if isinstance(volume, str) and ":" in volume:
            source = volume.split(":", 1)[0]
        elif isinstance(volume, dict) and volume.get("type") == "bind":
            source = volume.get("source")
        local = isinstance(source, str) and source.startswith((".", "/", "~"))
        if local and isinstance(source, str) and not _INTERPOLATED.search(source):
            found.append(("mounts", os.path.expanduser(source)))
    return found


def test_url_of(service: object, name: str | None) -> str | None:
    """The seed's test database on the compose server: ``<POSTGRES_DB>_test`` as its user."""
    if not isinstance(service, dict) or name is None:
        return None
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        raw = dict(str(item).partition("=")[::2] for item in raw)
    if not isinstance(raw, dict):
        return None
    values = {str(key): str(value) for key, value in raw.items() if value is not None}
    if any(_INTERPOLATED.search(value) for value in values.values()):
        return None  # ${VARIABLES} are only known where compose runs
    user = values.get("POSTGRES_USER", "postgres")
    database = values.get("POSTGRES_DB", user)
    password = values.get("POSTGRES_PASSWORD")
    login = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"postgresql://{login}@{name}:5432/{quote(database, safe='')}_test"
