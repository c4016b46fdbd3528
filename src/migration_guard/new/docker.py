"""Step 2 of ``new`` with the docker runner: autogenerate in the compose ``backend`` service
(it writes into the mounted versions folder), show and lint that file, remove it on failure."""

from __future__ import annotations

import contextlib
import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard.errors import EnvironmentProblem, InputError
from migration_guard.new.finish import say_follow_ups
from migration_guard.new.outcome import finished, no_change, say, say_detected
from migration_guard.new.show import show
from migration_guard.new.source import down_revision_of, is_empty_revision
from migration_guard.project.opened import Project

if TYPE_CHECKING:
    from migration_guard.graph.model import RevisionGraph
    from migration_guard.new.document import NewRecord
    from migration_guard.new.outcome import Outcome
    from migration_guard.runners.docker import Compose


def generate_docker(
    project: Project, graph: RevisionGraph, description: str, record: NewRecord
) -> Outcome:
    """Steps 2-5 on the docker runner; a dry run or a failure leaves no new file behind."""
    from migration_guard.runners import docker

    compose = docker.open_compose(project.config)
    say("\n2. Autogenerate in the compose backend service (never runs upgrade):")
    docker.ensure_running(compose, say)
    docker.require_head(compose, graph.heads, set(graph.revisions))
    before = _revision_files(project)
    say(
        f"  {compose.shown('run', '--rm', compose.service, 'alembic', 'revision', '--autogenerate', '-m', description)}"
    )
    new_files: list[Path] = []
    try:
        _output, detected = docker.autogenerate_in_compose(compose, description)
        new_files = sorted(_revision_files(project) - before)
        if not new_files:
            raise EnvironmentProblem(
                f"autogenerate ran but no new file appeared in {_versions_shown(project)}: "
                f"is the {compose.service} service's folder mounted from the host?"
            )
        path = new_files[0]
        if is_empty_revision(path.read_text(encoding="utf-8", errors="replace")):
            _remove(new_files)
            new_files = []
            return no_change()
        say_detected(detected, record)
        docker_project = Project(
            config=dataclasses.replace(project.config, runner="docker"), alembic=project.alembic
        )
        revision = _revision_of(project, path)
        relative = path.resolve().relative_to(project.root.resolve())
        from migration_guard.new.fix import apply_fix_hook

        apply_fix_hook(docker_project, revision, path, relative, record)
        downgrade_sql = _downgrade_sql_compose(compose, docker_project, revision)
        findings = show(docker_project, revision, path, relative, downgrade_sql, record)
        if record.dry_run:
            _remove(new_files)
            say(f"\nDry run: would write {relative.as_posix()}; nothing was kept.")
            written = None
            record.would_write = relative.as_posix()
        else:
            say(f"\nMigration generated: {relative.as_posix()}")
            written = path
            record.path = relative.as_posix()
        new_files = []
    finally:
        _remove(new_files)  # only non-empty when something failed
    record.commands = say_follow_ups(project, "docker", compose.shown)
    return finished(written, revision, findings)


def _downgrade_sql_compose(compose: Compose, project: Project, revision: str) -> str:
    parent = down_revision_of(_revision_path(project, revision).read_text(encoding="utf-8"))
    target = f"{revision}:{parent or 'base'}"
    completed = compose.run(
        "run", "--rm", compose.service, "alembic", "downgrade", target, "--sql", check=False
    )
    if completed.returncode != 0:
        from migration_guard.runners.process import failure_reason

        return f"(could not render the downgrade offline: {failure_reason(completed.stderr)})"
    return _block_sql(completed.stdout, revision)


def _block_sql(text: str, revision: str) -> str:
    from migration_guard.sql.split import split_revisions

    return "\n\n".join(
        raw.text.strip()
        for block in split_revisions(text)
        if block.revision == revision
        for raw in block.statements
    )


def _revision_files(project: Project) -> set[Path]:
    files: set[Path] = set()
    for location in project.alembic.version_locations:
        if location.is_dir():
            pattern = "**/*.py" if project.alembic.recursive_version_locations else "*.py"
            files.update(path.resolve() for path in location.glob(pattern))
    return files


def _revision_of(project: Project, path: Path) -> str:
    graph = project.graph()
    for revision, file in graph.revisions.items():
        if (project.root / file.path).resolve() == path.resolve():
            return revision
    raise InputError(f"{path}: the generated file declares no readable revision")


def _revision_path(project: Project, revision: str) -> Path:
    return project.root / project.graph().revisions[revision].path


def _versions_shown(project: Project) -> str:
    return ", ".join(str(location) for location in project.alembic.version_locations)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
