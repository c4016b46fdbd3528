"""Step 5 of ``new``: the apply / roll back / test commands, each one that runs where the user is.

The test command is printed only when its database is known: ``test_database_url`` in the
config, or derived from the compose files (``compose.override.yml`` included) when the
database service's ``POSTGRES_*`` environment says it literally (``<POSTGRES_DB>_test``).
Such a URL names the compose ``db`` service, a host that resolves only inside compose. With the
docker runner the tests run there, so it stays. With the local runner the printed command runs
on the host: the URL points at the port compose publishes on localhost, or, when the service
publishes none, the tests are run inside compose.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from migration_guard.config.flask_migrate import runs_in_flask_app
from migration_guard.config.pyproject import Config
from migration_guard.project.alembic_command import flask_db_command
from migration_guard.project.opened import Project
from migration_guard.runners.docker import Compose

POSTGRES_PORT = 5432


@dataclass(frozen=True)
class FollowUps:
    """The commands step 5 prints; ``test_needs`` says what the test command needs to run."""

    apply: str
    rollback: str
    test: str | None  # None: no test database is known
    test_needs: str = ""

    def to_json(self) -> dict[str, str | None]:
        commands = {"apply": self.apply, "rollback": self.rollback, "test": self.test}
        if self.test_needs:
            commands["test_needs"] = self.test_needs
        return commands


def docker_follow_ups(config: Config, shown: Callable[..., str]) -> FollowUps:
    """Everything runs in the compose backend service, where the ``db`` host resolves."""
    return FollowUps(
        apply=shown("run", "--rm", config.compose_service, "alembic", "upgrade", "head"),
        rollback=shown("run", "--rm", config.compose_service, "alembic", "downgrade", "-1"),
        test=_compose_tests(config, url, shown) if (url := test_database_url(config)) else None,
    )


def local_follow_ups(project: Project) -> FollowUps:
    """Alembic from the ini's folder; the tests against a database the host can reach."""
    config = project.config
    folder = project.alembic.working_dir.resolve().relative_to(project.root.resolve()).as_posix()
    enter = "" if folder == "." else f"cd {shlex.quote(folder)} && "
    ini = shlex.quote(project.alembic.ini_path.name)
    url = test_database_url(config)
    apply = f"{enter}alembic -c {ini} upgrade head"
    rollback = f"{enter}alembic -c {ini} downgrade -1"
    if runs_in_flask_app(project.alembic.ini_path.resolve().parent):
        # Flask-Migrate's env.py runs only inside the app: the flask command, from the root
        apply = flask_db_command(project.alembic, "upgrade", where=project.root)
        rollback = flask_db_command(project.alembic, "downgrade", "-1", where=project.root)
    if url is None:
        return FollowUps(apply=apply, rollback=rollback, test=None)
    host = urlsplit(url).hostname or ""
    service = compose_services(config.compose_path).get(host)
    test = f"{enter}TEST_DATABASE_URL={shlex.quote(url)} pytest tests/ -v"
    needs = ""
    if isinstance(service, dict):
        port = urlsplit(url).port or POSTGRES_PORT
        published = published_port(service, port)
        if published is None:
            compose = Compose(
                ("docker", "compose"), config.compose_path, config.compose_service, host
            )
            test = _compose_tests(config, url, compose.shown)
            needs = (
                "needs compose up, `docker compose up -d`: "
                f"`{host}` in test_database_url is a compose service that publishes no port, "
                "so the tests run inside compose"
            )
        else:
            on_host = _with_host(url, "localhost", published)
            test = f"{enter}TEST_DATABASE_URL={shlex.quote(on_host)} pytest tests/ -v"
            needs = (
                f"needs the compose `{host}` service up, `docker compose up -d {host}`: "
                f"`{host}:{port}` resolves only inside compose, so the tests use the port it "
                f"publishes, localhost:{published}"
            )
    return FollowUps(apply=apply, rollback=rollback, test=test, test_needs=needs)


def test_database_url(config: Config) -> str | None:
    """The configured ``test_database_url``, else the one the compose files' database service
    says (``<POSTGRES_DB>_test`` as its user), else None: never a guess."""
    if config.test_database_url is not None:
        return config.test_database_url
    from migration_guard.adopt.compose import test_url_of

    service = compose_services(config.compose_path).get(config.db_service)
    return test_url_of(service, config.db_service)


def compose_services(path: Path) -> dict[str, Any]:
    """The services by name of the compose file and of its override (``compose.override.yml``
    beside ``compose.yml``, as ``docker compose`` reads it); none when the file is absent or
    unreadable (the URL is then printed as configured)."""
    services = _services(path)
    stem = path.name.rsplit(".", 1)[0]
    for suffix in (".yml", ".yaml"):
        for name, extra in _services(path.with_name(f"{stem}.override{suffix}")).items():
            base = services.get(name)
            services[name] = _merged(base, extra) if isinstance(base, dict) else extra
    return services


def _services(path: Path) -> dict[str, Any]:
    import yaml

    from migration_guard.config.bounded_read import load_yaml, read_text
    from migration_guard.errors import InputError

    if not path.exists():
        return {}
    try:
        document = load_yaml(read_text(path, "compose file"), path)
    except (InputError, yaml.YAMLError):
        return {}
    services = document.get("services") if isinstance(document, dict) else None
    return (
        {str(name): value for name, value in services.items()} if isinstance(services, dict) else {}
    )


def _merged(base: dict[str, Any], extra: object) -> dict[str, Any]:
    """Compose's merge of an override service: ``environment`` merged by name, ``ports``
    appended, anything else replaced."""
    if not isinstance(extra, dict):
        return base
    merged = dict(base)
    for key, value in extra.items():
        if key == "environment":
            merged[key] = {**_environment(base.get(key)), **_environment(value)}
        elif key == "ports" and isinstance(value, list):
            merged[key] = [*(base.get(key) or []), *value]
        else:
            merged[key] = value
    return merged


def _environment(value: object) -> dict[str, object]:
    if isinstance(value, list):
        return dict(str(item).partition("=")[::2] for item in value)
    return dict(value) if isinstance(value, dict) else {}


def published_port(service: dict[str, Any], container_port: int) -> int | None:
    """The host port compose publishes ``container_port`` on (short or long syntax), if any."""
    for entry in service.get("ports") or ():
        if isinstance(entry, dict):
            if str(entry.get("target")) == str(container_port):
                return _port(entry.get("published"))
            continue
        parts = str(entry).split("/")[0].split(":")
        if len(parts) >= 2 and parts[-1] == str(container_port):
            return _port(parts[-2])
    return None


def _port(value: object) -> int | None:
    """A fixed host port; ranges and ``${VARIABLE}`` interpolations are not guessed."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def _with_host(url: str, host: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    netloc = f"{credentials}@{host}:{port}" if credentials else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


def _compose_tests(config: Config, url: str, shown: Callable[..., str]) -> str:
    return shown(
        "run",
        "--rm",
        "-e",
        f"TEST_DATABASE_URL={url}",
        config.compose_service,
        "pytest",
        "tests/",
        "-v",
    )
