"""The docker runner, the seed's way: autogenerate inside the project's compose ``backend`` service.

``docker compose`` (v2) or ``docker-compose`` (v1), whichever exists. Services are started with
``up -d db backend`` only when they are not running. The compose database must already be at
head; when it is not we stop and print the command that would bring it there, never running it.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migration_guard.config.pyproject import Config
from migration_guard.errors import EnvironmentProblem
from migration_guard.runners.process import last_line

PROBE_TIMEOUT_SECONDS = 10
RUN_TIMEOUT_SECONDS = 900
DEFAULT_COMPOSE_FILES = ("docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml")
_DETECTED = re.compile(r"Detected (.+?)\s*$")


@dataclass(frozen=True)
class Compose:
    """How to call compose for one project: the executable words and the folder to run in."""

    executable: tuple[str, ...]
    compose_file: Path
    service: str
    db_service: str

    @property
    def base(self) -> list[str]:
        extra = (
            []
            if self.compose_file.name in DEFAULT_COMPOSE_FILES
            else ["-f", self.compose_file.name]
        )
        return [*self.executable, *extra]

    def shown(self, *arguments: str) -> str:
        """The command as the user would type it from the compose file's folder."""
        return shlex.join([*self.base, *arguments])

    def run(self, *arguments: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [*self.base, *arguments]
        try:
            completed = subprocess.run(
                command,
                cwd=self.compose_file.parent,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=RUN_TIMEOUT_SECONDS,
                check=False,
            )
        except OSError as error:
            raise EnvironmentProblem(f"cannot run {command[0]}: {error}") from None
        except subprocess.TimeoutExpired:
            raise EnvironmentProblem(
                f"`{shlex.join(command)}` took over {RUN_TIMEOUT_SECONDS}s"
            ) from None
        if check and completed.returncode != 0:
            raise EnvironmentProblem(
                f"`{shlex.join(command)}` failed: {last_line(completed.stderr or completed.stdout)}"
            )
        return completed


def compose_executable() -> tuple[str, ...] | None:
    """``("docker", "compose")`` when the v2 plugin answers, else ``("docker-compose",)``, else None."""
    docker = shutil.which("docker")
    if docker is not None:
        try:
            probe = subprocess.run(
                ["docker", "compose", "version"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=PROBE_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            probe = None
        if probe is not None and probe.returncode == 0:
            return ("docker", "compose")
    if shutil.which("docker-compose") is not None:
        return ("docker-compose",)
    return None


def open_compose(config: Config) -> Compose:
    """The project's compose setup; docker missing or no compose file is an environment error."""
    if not config.compose_path.is_file():
        raise EnvironmentProblem(
            f"{config.compose_path}: compose file not found (set compose_file, or use --runner local)"
        )
    executable = compose_executable()
    if executable is None:
        raise EnvironmentProblem(
            "docker is not available: neither `docker compose` nor `docker-compose` runs "
            "(install Docker, or use --runner local)"
        )
    return Compose(executable, config.compose_path, config.compose_service, config.db_service)


def ensure_running(compose: Compose, say: Callable[[str], None] = print) -> None:
    """``up -d db backend`` when either service is not running (the seed's step 2)."""
    listed = compose.run("ps", "--services", "--filter", "status=running", check=False)
    running = set(listed.stdout.split()) if listed.returncode == 0 else set()
    if {compose.db_service, compose.service} <= running:
        return
    say(
        f"  starting the services: {compose.shown('up', '-d', compose.db_service, compose.service)}"
    )
    compose.run("up", "-d", compose.db_service, compose.service)


def current_revisions(compose: Compose, known: set[str]) -> set[str]:
    """The compose database's revisions, from ``alembic current`` (read-only)."""
    completed = compose.run("run", "--rm", compose.service, "alembic", "current")
    found: set[str] = set()
    for line in (completed.stdout + "\n" + completed.stderr).splitlines():
        words = line.split()
        if words and words[0] in known:
            found.add(words[0])
    return found


def require_head(compose: Compose, heads: tuple[str, ...], known: set[str]) -> None:
    """Stop (exit 3) when the compose database is not at head; say what would bring it there."""
    current = current_revisions(compose, known)
    if current == set(heads):
        return
    at = ", ".join(sorted(current)) or "no revision (empty)"
    command = compose.shown("run", "--rm", compose.service, "alembic", "upgrade", "head")
    raise EnvironmentProblem(
        f"the compose database is at {at}, not at head {', '.join(heads)}: autogenerate would "
        f"compare against the wrong schema; review and run `{command}` yourself, then retry"
    )


def autogenerate_in_compose(compose: Compose, message: str) -> tuple[str, tuple[str, ...]]:
    """Run the seed's command; return its output and the changes Alembic logged as detected."""
    completed = compose.run(
        "run", "--rm", compose.service, "alembic", "revision", "--autogenerate", "-m", message
    )
    output = completed.stdout + "\n" + completed.stderr
    detected = tuple(
        match.group(1) for line in output.splitlines() if (match := _DETECTED.search(line))
    )
    return output, detected
