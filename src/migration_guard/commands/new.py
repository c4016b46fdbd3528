"""``new DESCRIPTION [--runner auto|docker|local] [--dry-run]``: the seed's five steps.

1. say which model files changed and what they touch; 2. autogenerate (docker: in the compose
``backend`` service; local: against a private PostgreSQL brought to head); 3. show ``upgrade()``,
``downgrade()`` and their SQL; 4. lint it; 5. print the apply / roll back / test commands.
``upgrade`` is never run on the user's database. Nothing is left behind on failure: the local
runner generates into an overlay of the project and moves the finished file in at the end.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from migration_guard import exit_codes
from migration_guard.commands import Invocation
from migration_guard.commands.new_document import NewRecord, emit, story_to_stderr
from migration_guard.errors import (
    ConfigError,
    EnvironmentProblem,
    GuardError,
    InputError,
    UsageError,
)
from migration_guard.findings import Finding, Report
from migration_guard.graph.model import RevisionGraph
from migration_guard.lint import ensure_renderable
from migration_guard.project import Project, open_project

if TYPE_CHECKING:
    from collections.abc import Callable

    from migration_guard.commands.follow_ups import FollowUps
    from migration_guard.models_diff import ModelFileChange
    from migration_guard.render.offline import OfflineRenderer


LOCAL_RUNNER = "a private PostgreSQL, never your DATABASE_URL"


class SeveralHeads(GuardError):
    """The history has more than one head: a new revision would have no single parent."""

    exit_code = exit_codes.FINDINGS


@dataclass(frozen=True)
class Outcome:
    """What ``new`` did: the file it wrote in the user's tree (None: dry run or no change)."""

    exit_code: int
    path: Path | None = None
    revision: str | None = None
    changed: bool = True
    findings: tuple[Finding, ...] = ()
    record: NewRecord | None = None


def run(invocation: Invocation) -> int:
    arguments = invocation.arguments
    description = " ".join(str(arguments.description or "").split())
    if not description:
        raise UsageError(
            'new: the description is empty; say what changed, e.g. new "add documents.language"'
        )
    project = open_project(invocation.project)
    runner = arguments.runner or project.config.runner
    return generate(
        invocation,
        project,
        description,
        runner=runner,
        dry_run=arguments.dry_run,
        runner_from="--runner" if arguments.runner else "config",
    ).exit_code


def generate(
    invocation: Invocation,
    project: Project,
    description: str,
    *,
    runner: str,
    dry_run: bool,
    staged: bool = False,
    runner_from: str = "config",
) -> Outcome:
    """Run steps 1-5; with ``staged`` the models are taken from the git index (the hook).
    ``runner_from`` says where ``runner`` came from: ``"--runner"`` or ``"config"``.

    Outside text mode the story goes to stderr and one document (JSON, or the new revision's
    lint report) to stdout."""
    record = NewRecord(dry_run=dry_run)
    with story_to_stderr(invocation):
        outcome = _generate(project, description, record, runner, staged, runner_from)
    emit(invocation, record)
    return dataclasses.replace(outcome, record=record)


def _generate(
    project: Project,
    description: str,
    record: NewRecord,
    runner: str,
    staged: bool,
    runner_from: str,
) -> Outcome:
    graph = project.graph()
    ensure_renderable(graph)
    if len(graph.heads) > 1:
        from migration_guard.alembic_command import merge_heads_command

        raise SeveralHeads(
            f"{len(graph.heads)} heads ({', '.join(graph.heads)}): a new revision needs one parent; "
            f"merge them first with `{merge_heads_command(project.alembic, graph.heads)}`"
        )
    chosen, why = choose_runner(project, runner, runner_from)
    record.runner, record.runner_reason = chosen, why
    say(f"runner: {chosen} ({why})")
    parent = graph.heads[0] if graph.heads else None
    say(f"current head: {parent or '(none: this will be the first revision)'}")
    with tempfile.TemporaryDirectory(prefix="migration-guard-new-") as scratch:
        replace = staged_models(project, Path(scratch)) if staged else {}
        record.model_changes = say_what_changed(project, staged, replace)
        if chosen == "local":
            overlay = build_project_overlay(project, Path(scratch) / "tree", replace)
            return _generate_local(project, overlay, description, record)
        return _generate_docker(project, graph, description, record)


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


def say_what_changed(
    project: Project, staged: bool, replace: dict[Path, Path]
) -> list[ModelFileChange]:
    """Step 1: changed model files and the tables/columns they touch; syntax errors stop here."""
    from migration_guard.models_diff import changed_model_files, check_syntax

    where = "staged" if staged else "in the work tree"
    say(f"\n1. What changed (model files that differ from HEAD, {where}):")
    try:
        changes = changed_model_files(project.root, project.config.models, staged=staged)
    except InputError as error:
        if "not inside a git repository" not in str(error):
            raise
        changes = []
        say("  (not a git repository: cannot compare with HEAD)")
    for folder in project.config.models:
        real = (project.root / folder).resolve()
        check_syntax(replace.get(real, real), folder)
    if not changes:
        say("  no model file differs from HEAD")
    for change in changes:
        say(f"  {change.path} ({change.status})")
        for detail in change.details:
            say(f"    - {detail}")
    return list(changes)


@dataclass(frozen=True)
class Overlay:
    root: Path
    project: Project


def build_project_overlay(
    project: Project, destination: Path, replace: dict[Path, Path]
) -> Overlay:
    """The project mirrored with its own versions folder (and staged models when ``replace``)."""
    from migration_guard.overlay import build_overlay

    root = project.root.resolve()
    inside = [
        project.alembic.ini_path.resolve(),
        *(p.resolve() for p in project.alembic.version_locations),
    ]
    for path in inside:
        if root not in path.parents:
            raise ConfigError(f"{path}: must be inside the project {root} for `new`")
    build_overlay(
        root,
        destination,
        copy_dirs=[p for p in project.alembic.version_locations if p.is_dir()],
        copy_files=[project.alembic.ini_path],
        replace_dirs=replace,
    )
    return Overlay(destination, open_project(destination))


def staged_models(project: Project, scratch: Path) -> dict[Path, Path]:
    """Extract the models folders as staged (``git checkout-index``); map real folder → copy."""
    top = _git(project.root, "rev-parse", "--show-toplevel").strip()
    top_path = Path(top).resolve()
    folders = {}
    for folder in project.config.models:
        real = (project.root / folder).resolve()
        try:
            folders[real] = real.relative_to(top_path).as_posix()
        except ValueError:
            raise ConfigError(f"models folder {real} is outside the git repository {top}") from None
    listed = _git(top_path, "ls-files", "-z", "--", *folders.values())
    index = scratch / "index"
    index.mkdir()
    if listed.strip("\0"):
        subprocess.run(
            ["git", "checkout-index", "-z", "--stdin", f"--prefix={index}/"],
            cwd=top_path,
            input=listed,
            text=True,
            capture_output=True,
            check=True,
        )
    return {real: index / relative for real, relative in folders.items()}


def _generate_local(
    project: Project, overlay: Overlay, description: str, record: NewRecord
) -> Outcome:
    from migration_guard.render.downgrade import PreparedDowngrade
    from migration_guard.render.offline import OfflineRenderer
    from migration_guard.runners.local import autogenerate_local

    settings = overlay.project.alembic
    say("\n2. Autogenerate against a private PostgreSQL at head (your own database is never used):")
    # The upgrade render's child imports Alembic while autogenerate runs; the downgrade render
    # then runs beside it (two children: as many as the cores a laptop can spare).
    with OfflineRenderer() as renderer:
        result = autogenerate_local(
            settings, description, project.config.database_url_env, say=say, tree=overlay.root
        )
        if result.path is None or result.revision is None:
            return _no_change()
        _say_detected(result.changes, record)
        relative = result.path.resolve().relative_to(overlay.root.resolve())
        parent = _down_revision_of(result.path.read_text(encoding="utf-8"))
        with PreparedDowngrade(settings, project.config.database_url_env) as downgrade:
            downgrade.start(result.revision, parent)
            findings = _show(
                overlay.project,
                result.revision,
                result.path,
                relative,
                downgrade.sql,
                record,
                renderer,
            )
    final = project.root / relative
    if record.dry_run:
        say(f"\nDry run: would write {relative.as_posix()}; nothing was written.")
        written = None
        record.would_write = relative.as_posix()
    else:
        _move_in(result.path, final)
        say(f"\nMigration generated: {relative.as_posix()}")
        written = final
        record.path = relative.as_posix()
    record.commands = _follow_ups(project, "local")
    return _outcome(written, result.revision, findings)


def _generate_docker(
    project: Project, graph: RevisionGraph, description: str, record: NewRecord
) -> Outcome:
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
            return _no_change()
        _say_detected(detected, record)
        docker_project = Project(
            config=dataclasses.replace(project.config, runner="docker"), alembic=project.alembic
        )
        revision = _revision_of(project, path)
        relative = path.resolve().relative_to(project.root.resolve())
        downgrade_sql = _downgrade_sql_compose(compose, docker_project, revision)
        findings = _show(docker_project, revision, path, relative, downgrade_sql, record)
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
    record.commands = _follow_ups(project, "docker", compose.shown)
    return _outcome(written, revision, findings)


def _show(
    project: Project,
    revision: str,
    path: Path,
    relative: Path,
    downgrade: str | Callable[[], str],
    record: NewRecord,
    renderer: OfflineRenderer | None = None,
) -> tuple[Finding, ...]:
    """Steps 3-4: the new file's functions, their SQL and the lint findings. ``downgrade`` is
    the rollback SQL, or what waits for it (rendered meanwhile)."""
    source = path.read_text(encoding="utf-8", errors="replace")
    parent = _down_revision_of(source)
    record.revision, record.down_revision = revision, parent
    record.upgrade_source = function_source(source, "upgrade")
    record.downgrade_source = function_source(source, "downgrade")
    say(f"\n3. The new revision {revision} ({relative.as_posix()}), down_revision = {parent!r}:")
    for name in ("upgrade", "downgrade"):
        say(f"\n--- {name}() ---")
        say(function_source(source, name) or f"(no {name}() function)")
    sql, findings, note = _lint(project, revision, renderer)
    downgrade_sql = downgrade() if callable(downgrade) else downgrade
    record.upgrade_sql = _without_transaction(sql)
    record.downgrade_sql = _without_transaction(downgrade_sql)
    record.findings = findings
    say("\n--- SQL on `alembic upgrade` (offline render) ---")
    say(_without_transaction(sql) or "(no statements)")
    say("\n--- SQL on rollback (`alembic downgrade -1`, offline render) ---")
    say(_without_transaction(downgrade_sql) or "(no statements)")
    say("\n4. Lint findings:")
    if note:
        say(f"  {note}")
    elif not findings:
        say("  none")
    else:
        from migration_guard.lint import rule_infos
        from migration_guard.report import render_report

        report = Report(
            command="lint", findings=findings, revisions=(revision,), rules=rule_infos()
        )
        text = render_report(report, "text", color=False)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return findings


def _without_transaction(sql: str) -> str:
    """The SQL without Alembic's own BEGIN/COMMIT around it."""
    kept = [
        part
        for part in sql.strip().split("\n\n")
        if part.strip().upper() not in ("BEGIN;", "COMMIT;")
    ]
    return "\n\n".join(kept).strip()


def _lint(
    project: Project, revision: str, renderer: OfflineRenderer | None = None
) -> tuple[str, tuple[Finding, ...], str]:
    """The revision's upgrade SQL and findings; while the rules are absent, SQL only."""
    from migration_guard.lint import lint_revisions

    graph = project.graph()
    try:
        result = lint_revisions(project, graph, [revision], renderer)
    except ModuleNotFoundError as error:
        if not (error.name or "").startswith("migration_guard.rules"):
            raise
        from migration_guard.lint import render_revisions

        rendered = render_revisions(project, [revision])
        sql = "\n\n".join(s.sql for r in rendered for s in r.statements)
        return sql, (), "the lint rules are not installed in this build: SQL shown unchecked"
    sql = "\n\n".join(text for rev, text in result.sql if rev == revision)
    return sql, result.findings, ""


def _downgrade_sql_compose(compose: object, project: Project, revision: str) -> str:
    from migration_guard.runners.docker import Compose

    assert isinstance(compose, Compose)
    parent = _down_revision_of(_revision_path(project, revision).read_text(encoding="utf-8"))
    target = f"{revision}:{parent or 'base'}"
    completed = compose.run(
        "run", "--rm", compose.service, "alembic", "downgrade", target, "--sql", check=False
    )
    if completed.returncode != 0:
        return f"(could not render the downgrade offline: {_last_line(completed.stderr)})"
    return _block_sql(completed.stdout, revision)


def _block_sql(text: str, revision: str) -> str:
    from migration_guard.sql.split import split_revisions

    return "\n\n".join(
        raw.text.strip()
        for block in split_revisions(text)
        if block.revision == revision
        for raw in block.statements
    )


def function_source(source: str, name: str) -> str | None:
    """The source of the top-level function ``name`` in ``source``."""
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node)
    return None


def is_empty_revision(source: str) -> bool:
    """True when upgrade() and downgrade() hold nothing but ``pass`` (autogenerate found no change)."""
    tree = ast.parse(source)
    bodies = [node.body for node in tree.body if isinstance(node, ast.FunctionDef)]
    return all(
        isinstance(statement, ast.Pass)
        or (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant))
        for body in bodies
        for statement in body
    )


def _follow_ups(project: Project, runner: str, shown: object = None) -> FollowUps:
    """Step 5: the seed's commands, for the user to run after reviewing."""
    from migration_guard.commands.follow_ups import docker_follow_ups, local_follow_ups

    say("\n5. Review it, then (nothing was run on your database):")
    if runner == "docker" and callable(shown):
        commands = docker_follow_ups(project.config, shown)
    else:
        commands = local_follow_ups(project)
    say(f"To apply:\n  {commands.apply}")
    say(f"To roll back:\n  {commands.rollback}")
    say(f"To run tests after:\n  {commands.test}")
    if commands.test_needs:
        say(f"  ({commands.test_needs})")
    return commands


def _no_change() -> Outcome:
    say("\nNo change detected: the models match the schema at head. No file was written.")
    return Outcome(exit_codes.OK, changed=False)


def _say_detected(changes: tuple[str, ...], record: NewRecord) -> None:
    record.detected = changes
    say("  autogenerate detected:")
    for change in changes or ("(nothing listed)",):
        say(f"    - {change}")


def _outcome(path: Path | None, revision: str, findings: tuple[Finding, ...]) -> Outcome:
    failed = any(finding.severity == "error" for finding in findings)
    code = exit_codes.FINDINGS if failed else exit_codes.OK
    return Outcome(code, path=path, revision=revision, findings=findings)


def _move_in(source: Path, target: Path) -> None:
    """Write the finished file into the user's versions folder in one step (no partial file)."""
    if target.exists():
        raise InputError(f"{target}: already exists; not overwritten")
    staging = target.with_name(f".{target.name}.migration-guard-tmp")
    try:
        staging.write_bytes(source.read_bytes())
        os.replace(staging, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()


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


def _down_revision_of(source: str) -> str | None:
    for node in ast.parse(source).body:
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else ([node.target] if isinstance(node, ast.AnnAssign) else [])
        )
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        for target in targets:
            if isinstance(target, ast.Name) and target.id == "down_revision":
                if isinstance(value, ast.Constant):
                    return None if value.value is None else str(value.value)
                return None if value is None else ast.unparse(value)
    return None


def _versions_shown(project: Project) -> str:
    return ", ".join(str(location) for location in project.alembic.version_locations)


def _remove(paths: list[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _git(cwd: Path, *arguments: str) -> str:
    completed = subprocess.run(
        ["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise InputError(f"git {arguments[0]} failed in {cwd}: {_last_line(completed.stderr)}")
    return completed.stdout


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def say(text: str) -> None:
    print(text, flush=True)
