"""Which runner executes ``new``'s autogenerate: docker compose or the local throwaway PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from migration_guard.project.opened import Project

LOCAL_RUNNER = "a private PostgreSQL, never your DATABASE_URL"


def choose_runner(project: Project, runner: str, runner_from: str = "config") -> tuple[str, str]:
    """The runner and why: ``auto`` is docker when the compose file exists and compose
    answers, else local; ``local``/``docker`` were asked for (by ``--runner`` or the config)."""
    from migration_guard.runners.docker import compose_executable

    if runner in ("local", "docker"):
        asker = (
            f"--runner {runner}"
            if runner_from == "--runner"
            else f'runner = "{runner}" in [tool.migration-guard]'
        )
        why = f"asked for with {asker}"
        return runner, f"{why}; {LOCAL_RUNNER}" if runner == "local" else why
    if not project.config.compose_path.is_file():
        return "local", f"no compose file {project.config.compose_file}; {LOCAL_RUNNER}"
    executable = compose_executable()
    if executable is None:
        return "local", f"docker compose is not available; {LOCAL_RUNNER}"
    return "docker", f"{project.config.compose_file} found and `{' '.join(executable)}` answers"
