"""Step 5 of ``new``: the apply / roll back / test commands, each one that runs where the user is.

The seed's test database URL names the compose ``db`` service, a host that resolves only inside
compose. With the docker runner the tests run there, so it stays. With the local runner the
printed command runs on the host: the URL points at the port compose publishes on localhost,
or, when the service publishes none, the tests are run inside compose.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from migration_guard.config import Config
from migration_guard.project import Project
from migration_guard.runners.docker import Compose

POSTGRES_PORT = 5432


@dataclass(frozen=True)
class FollowUps:
    """The commands step 5 prints; ``test_needs`` says what the test command needs to run."""

    apply: str
    rollback: str
    test: str
    test_needs: str = ""

    def to_json(self) -> dict[str, str]:
        commands = {"apply": self.apply, "rollback": self.rollback, "test": self.test}
        if self.test_needs:
            commands["test_needs"] = self.test_needs
        return commands


def docker_follow_ups(config: Config, shown: Callable[..., str]) -> FollowUps:
    """Everything runs in the compose backend service, where the ``db`` host resolves."""
    return FollowUps(
        apply=shown("run", "--rm", config.compose_service, "alembic", "upgrade", "head"),
        rollback=shown("run", "--rm", config.compose_service, "alembic", "downgrade", "-1"),
        test=_compose_tests(config, shown),
    )


def local_follow_ups(project: Project) -> FollowUps:
    """Alembic from the ini's folder; the tests against a database the host can reach."""
    config = project.config
    folder = project.alembic.working_dir.resolve().relative_to(project.root.resolve()).as_posix()
    enter = "" if folder == "." else f"cd {shlex.quote(folder)} && "
    ini = shlex.quote(project.alembic.ini_path.name)
    url = config.test_database_url
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
            test = _compose_tests(config, compose.shown)
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
    return FollowUps(
        apply=f"{enter}alembic -c {ini} upgrade head",
        rollback=f"{enter}alembic -c {ini} downgrade -1",
        test=test,
        test_needs=needs,
    )


def compose_services(path: Path) -> dict[str, Any]:
    """The compose file's services by name; none when it is absent or unreadable (the URL is
    then printed as configured)."""
    import yaml

    from migration_guard.bounded_read import load_yaml, read_text
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


def _compose_tests(config: Config, shown: Callable[..., str]) -> str:
    return shown(
        "run",
        "--rm",
        "-e",
        f"TEST_DATABASE_URL={config.test_database_url}",
        config.compose_service,
        "pytest",
        "tests/",
        "-v",
    )
